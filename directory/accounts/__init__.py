"""Accounts: the people who sign in, what each role may do, and API tokens.

users.py        passwords, sign-in, resets, invitations, editors and managers
permissions.py  the one policy of who may do what, and the view decorators that apply it
throttle.py     wrong passwords counted per account, on the rate limiter's storage
api_tokens.py   tokens a program uses to call the link workers' API as their owner
two_factor.py   codes from an authenticator app after the password, and recovery codes
security_log.py record_security_event, the one writer of the security log; reading, purging
commands.py     create-user, set-role, create-token, revoke-token, reset-two-factor,
                (and the security log's step of purge-expired)
"""
