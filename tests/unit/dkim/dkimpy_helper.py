#!/usr/bin/python3
"""Test helper: drives python3-dkim (dkimpy) for interoperability tests.

  dkimpy_helper.py sign MESSAGE KEY DOMAIN SELECTOR     prints the signed message
  dkimpy_helper.py sign-l MESSAGE KEY DOMAIN SELECTOR   the same, with a body length (l=)
  dkimpy_helper.py verify MESSAGE DNSNAME TXTFILE       prints "pass" or "fail"
"""
import sys

import dkim


def main():
    cmd = sys.argv[1]
    with open(sys.argv[2], 'rb') as f:
        msg = f.read()
    if cmd in ('sign', 'sign-l'):
        with open(sys.argv[3], 'rb') as f:
            key = f.read()
        sig = dkim.sign(msg, sys.argv[5].encode(), sys.argv[4].encode(), key,
                        canonicalize=(b'relaxed', b'relaxed'), length=(cmd == 'sign-l'))
        sys.stdout.buffer.write(sig + msg)
    else:
        name = sys.argv[3].encode()
        with open(sys.argv[4], 'rb') as f:
            txt = f.read().strip()

        def dnsfunc(qname, timeout=5):
            return txt if qname.rstrip(b'.') == name else None

        print('pass' if dkim.verify(msg, dnsfunc=dnsfunc) else 'fail')


if __name__ == '__main__':
    main()
