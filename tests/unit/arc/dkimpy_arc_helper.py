#!/usr/bin/python3
"""Test helper: drives the ARC code of python3-dkim (dkimpy) for
interoperability tests.

  dkimpy_arc_helper.py seal MESSAGE KEY DOMAIN SELECTOR SRVID TIMESTAMP
      prints the message with a new ARC Set on top; the chain status is taken
      from the arc= result of the SRVID Authentication-Results field
  dkimpy_arc_helper.py verify MESSAGE TXTFILE
      prints the chain status ("none", "pass" or "fail"); every key look-up
      is answered with the TXT record in TXTFILE
"""
import sys

import dkim


def main():
    cmd = sys.argv[1]
    with open(sys.argv[2], 'rb') as f:
        msg = f.read()
    if cmd == 'seal':
        with open(sys.argv[3], 'rb') as f:
            key = f.read()
        headers = dkim.arc_sign(msg, sys.argv[5].encode(), sys.argv[4].encode(), key,
                                sys.argv[6].encode(), timestamp=sys.argv[7])
        sys.stdout.buffer.write(b''.join(headers) + msg)
    else:
        with open(sys.argv[3], 'rb') as f:
            txt = f.read().strip()

        def dnsfunc(qname, timeout=5):
            return txt

        cv, _results, reason = dkim.arc_verify(msg, dnsfunc=dnsfunc)
        print(cv.decode() if isinstance(cv, bytes) else str(cv))
        sys.stderr.write('%s\n' % reason)


if __name__ == '__main__':
    main()
