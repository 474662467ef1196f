// Quick exit: leave for a neutral site at once, without this page in the back button.
// Pressing Shift three times in a row does the same, as GOV.UK's "Exit this page" does.
const exit = document.querySelector("[data-quick-exit]");

function leave() {
  document.body.hidden = true;
  window.location.replace(exit.href);
}

if (exit) {
  exit.addEventListener("click", (event) => {
    event.preventDefault();
    leave();
  });
  let shifts = 0;
  let timer;
  document.addEventListener("keyup", (event) => {
    if (event.key !== "Shift") {
      shifts = 0;
      return;
    }
    shifts += 1;
    clearTimeout(timer);
    timer = setTimeout(() => { shifts = 0; }, 1000);
    if (shifts === 3) leave();
  });
}
