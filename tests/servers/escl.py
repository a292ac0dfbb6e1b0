#!/usr/bin/python3
"""A small eSCL (AirScan) scanner for tests, on loopback: an automatic document feeder
whose sheets are the PNG files of a folder, fed in name order, each once, as paper is.

    escl.py --port PORT --feeder DIR [--dpi N] [--log FILE]

It answers what the Mopria eSCL specification asks of a scanner, as far as a sheet-fed
grey scanner needs:

    GET    /eSCL/ScannerCapabilities     the feeder (simplex), Grayscale8, PNG, N dpi
    GET    /eSCL/ScannerStatus           Idle; ScannerAdfLoaded or ScannerAdfEmpty
    POST   /eSCL/ScanJobs                201 Created, Location: the job
    GET    /eSCL/ScanJobs/ID/NextDocument  the next sheet (image/png), 404 when empty
    DELETE /eSCL/ScanJobs/ID             200

Anything else is 404; a request body over 64 KiB is 413; a job it does not know is 404.
Every request goes to the log file as one line, "METHOD PATH STATUS" (tests count sheets
with it). It prints "escl ready on PORT" when it listens.
"""

import argparse
import os
import sys
import threading
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCAN = "http://schemas.hp.com/imaging/escl/2011/05/03"
PWG = "http://www.pwg.org/schemas/2010/12/sm"
MAX_BODY = 64 * 1024

CAPS = """<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerCapabilities xmlns:scan="{scan}" xmlns:pwg="{pwg}">
  <pwg:Version>2.63</pwg:Version>
  <pwg:MakeAndModel>Folio eSCL test feeder</pwg:MakeAndModel>
  <pwg:SerialNumber>FOLIO-ESCL-1</pwg:SerialNumber>
  <scan:UUID>{uuid}</scan:UUID>
  <scan:Adf>
    <scan:AdfSimplexInputCaps>
      <scan:MinWidth>16</scan:MinWidth>
      <scan:MaxWidth>2480</scan:MaxWidth>
      <scan:MinHeight>16</scan:MinHeight>
      <scan:MaxHeight>3508</scan:MaxHeight>
      <scan:MaxOpticalXResolution>{dpi}</scan:MaxOpticalXResolution>
      <scan:MaxOpticalYResolution>{dpi}</scan:MaxOpticalYResolution>
      <scan:SettingProfiles>
        <scan:SettingProfile>
          <scan:ColorModes>
            <scan:ColorMode>Grayscale8</scan:ColorMode>
          </scan:ColorModes>
          <scan:DocumentFormats>
            <pwg:DocumentFormat>image/png</pwg:DocumentFormat>
            <scan:DocumentFormatExt>image/png</scan:DocumentFormatExt>
          </scan:DocumentFormats>
          <scan:SupportedResolutions>
            <scan:DiscreteResolutions>
              <scan:DiscreteResolution>
                <scan:XResolution>{dpi}</scan:XResolution>
                <scan:YResolution>{dpi}</scan:YResolution>
              </scan:DiscreteResolution>
            </scan:DiscreteResolutions>
          </scan:SupportedResolutions>
        </scan:SettingProfile>
      </scan:SettingProfiles>
    </scan:AdfSimplexInputCaps>
    <scan:FeederCapacity>50</scan:FeederCapacity>
    <scan:AdfOptions>
      <scan:AdfOption>DetectPaperLoaded</scan:AdfOption>
    </scan:AdfOptions>
  </scan:Adf>
</scan:ScannerCapabilities>
"""

STATUS = """<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerStatus xmlns:scan="{scan}" xmlns:pwg="{pwg}">
  <pwg:Version>2.63</pwg:Version>
  <pwg:State>Idle</pwg:State>
  <scan:AdfState>{adf}</scan:AdfState>
</scan:ScannerStatus>
"""


class Feeder:
    """The sheets of a folder, each fed once, in name order."""

    def __init__(self, folder):
        self.sheets = sorted(
            os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".png"))
        self.lock = threading.Lock()
        self.jobs = set()

    def loaded(self):
        with self.lock:
            return bool(self.sheets)

    def feed(self):
        with self.lock:
            return self.sheets.pop(0) if self.sheets else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FolioESCL/1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        if self.server.log:
            with open(self.server.log, "a", encoding="utf-8") as f:
                f.write("%s %s %d\n" % (self.command, self.path, status))

    def answer(self, status, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.note(status)

    def xml(self, template, **kw):
        text = template.format(scan=SCAN, pwg=PWG, **kw)
        self.answer(200, text.encode("utf-8"), "text/xml")

    def job(self):
        """The job ID of /eSCL/ScanJobs/ID[/...], or None."""
        parts = self.path.split("/")
        if len(parts) >= 4 and parts[1] == "eSCL" and parts[2] == "ScanJobs":
            return parts[3]
        return None

    def do_GET(self):
        feeder = self.server.feeder
        if self.path == "/eSCL/ScannerCapabilities":
            return self.xml(CAPS, uuid=self.server.uuid, dpi=self.server.dpi)
        if self.path == "/eSCL/ScannerStatus":
            adf = "ScannerAdfLoaded" if feeder.loaded() else "ScannerAdfEmpty"
            return self.xml(STATUS, adf=adf)
        job = self.job()
        if job and self.path.endswith("/NextDocument") and job in feeder.jobs:
            sheet = feeder.feed()
            if sheet is None:
                return self.answer(404, b"the feeder is empty\n")
            with open(sheet, "rb") as f:
                return self.answer(200, f.read(), "image/png")
        return self.answer(404, b"no such resource\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            return self.answer(413, b"scan settings too large\n")
        body = self.rfile.read(length)
        if self.path != "/eSCL/ScanJobs":
            return self.answer(404, b"no such resource\n")
        try:
            settings = ET.fromstring(body)
        except ET.ParseError:
            return self.answer(400, b"scan settings are not XML\n")
        source = settings.findtext("{%s}InputSource" % PWG) or "Platen"
        if source != "Feeder":
            return self.answer(409, b"this scanner has a feeder only\n")
        job = uuid.uuid4().hex
        self.server.feeder.jobs.add(job)
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_port
        self.answer(201, headers=[("Location", "http://%s/eSCL/ScanJobs/%s" % (host, job))])

    def do_DELETE(self):
        job = self.job()
        if job and job in self.server.feeder.jobs:
            self.server.feeder.jobs.discard(job)
            return self.answer(200)
        return self.answer(404, b"no such job\n")


def main():
    ap = argparse.ArgumentParser(description="eSCL test scanner on 127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--feeder", required=True, help="folder of PNG sheets")
    ap.add_argument("--dpi", type=int, default=100)
    ap.add_argument("--log", help="file to append one line per request to")
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    server.feeder = Feeder(a.feeder)
    server.uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, "folio-escl-test"))
    server.dpi = a.dpi
    server.log = a.log
    print("escl ready on %d" % a.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
