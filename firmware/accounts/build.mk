# Accounts of the technician console and the clerk UI: names, roles and Argon2id hashes in a
# file readable only by the daemon's user.
lib-y += firmware/accounts/accounts.o
