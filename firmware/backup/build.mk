# folio backup and restore: the sealed archive (Argon2id key, XChaCha20-Poly1305 stream).
lib-y += firmware/backup/archive.o
