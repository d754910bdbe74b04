#!/usr/bin/python3
"""Converts the ValiMail ARC test suite (arc-draft-validation-tests.yml and
arc-draft-sign-tests.yml) to a flat, tab-separated file that the C++ ARC unit
test reads without a YAML parser. Run by the build (tests/unit/arc/CMakeLists.txt).

Usage: /usr/bin/python3 arc_suite_convert.py VALIDATION.yml SIGN.yml OUT.tsv

Output lines (fields separated by TAB; every field is %XX-escaped for bytes
outside printable ASCII, and for '%', TAB and space):
  S  kind  description              starts a scenario; kind is "validate" or "sign"
  K  name  txt                      a DNS TXT record of the scenario
  P  domain  selector  private-key  the signing key of a sign scenario
  V  id  cv  message                a validation case; cv as written ("" when empty)
  G  id  message  t  sig-headers  srv-id  AS  AMS  AAR
                                    a signing case with the expected header values
"""
import sys
import yaml


def esc(s):
    out = []
    for b in str(s).encode('utf-8'):
        if b <= 0x20 or b >= 0x7f or b == 0x25:
            out.append('%%%02X' % b)
        else:
            out.append(chr(b))
    return ''.join(out)


def line(out, *fields):
    out.write('\t'.join(esc(f) for f in fields) + '\n')


def txt_records(d):
    # The suite spells the key both "txt-records" and "txt_records".
    return d.get('txt-records') or d.get('txt_records') or {}


def main():
    val, sign, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(dst, 'w', encoding='ascii') as out:
        with open(val, encoding='utf-8') as f:
            for d in yaml.safe_load_all(f):
                if not d:
                    continue
                line(out, 'S', 'validate', d.get('description', ''))
                for name, txt in txt_records(d).items():
                    line(out, 'K', name, txt)
                for tid, t in d['tests'].items():
                    cv = t.get('cv')
                    cv = '' if cv is None else str(cv).strip()
                    line(out, 'V', tid, cv, t.get('message') or '')
        with open(sign, encoding='utf-8') as f:
            for d in yaml.safe_load_all(f):
                if not d:
                    continue
                line(out, 'S', 'sign', d.get('description', ''))
                for name, txt in txt_records(d).items():
                    line(out, 'K', name, txt)
                line(out, 'P', d['domain'], d['sel'], d['privatekey'])
                for tid, t in d['tests'].items():
                    line(out, 'G', tid, t.get('message') or '', t['t'], t['sig-headers'],
                         t['srv-id'], t['AS'], t['AMS'], t['AAR'])


if __name__ == '__main__':
    main()
