lib-y += firmware/upload/upload.o
# Transports: one package exactly once to file://, WebDAV, SFTP or S3 (transport.h), a driver
# per protocol (driver.h), each left out with its CONFIG_UPLOAD_ symbol; libcurl only when a
# network driver is built (CONFIG_UPLOAD_CURL).
lib-y += firmware/upload/transport.o firmware/upload/window.o firmware/upload/creds.o \
	firmware/upload/common.o firmware/upload/percent.o firmware/upload/sigv4.o
lib-$(CONFIG_UPLOAD_FILE) += firmware/upload/file.o
lib-$(CONFIG_UPLOAD_CURL) += firmware/upload/http.o
lib-$(CONFIG_UPLOAD_WEBDAV) += firmware/upload/webdav.o
lib-$(CONFIG_UPLOAD_SFTP) += firmware/upload/sftp.o
lib-$(CONFIG_UPLOAD_S3) += firmware/upload/s3.o
# The office's receipts read back: delivered -> confirmed, or back to the supervisor.
lib-y += firmware/upload/receipts.o
PKGS += $(if $(filter y,$(CONFIG_UPLOAD_CURL)),libcurl)
