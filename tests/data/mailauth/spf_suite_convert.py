#!/usr/bin/python3
"""Converts the openspf YAML test suite (rfc7208-tests.yml) to a flat, tab-separated
file that the C++ SPF unit test reads without a YAML parser.

Usage: /usr/bin/python3 spf_suite_convert.py IN.yml OUT.tsv

Output lines (fields separated by TAB; every field is %XX-escaped for bytes outside
printable ASCII, and for '%', TAB and space):
  S  description                     starts a scenario (its zone replaces the previous)
  Z  name  TYPE  value...            a zone record: TXT (one field per string, possibly
                                     none), A, AAAA, PTR, CNAME, MX (pref, host), TIMEOUT
  T  id  helo  host  mailfrom  results(comma-separated)  explanation(or empty)

Record-type rule (as the suite's authors intend): SPF-type records are served as TXT
for a name that has no TXT record of its own; RFC 7208 looks up TXT only. "TXT: NONE"
means "no TXT record" (and stops that copying). TIMEOUT makes look-ups of every type
that the name has no record of time out.
"""
import sys
import yaml


def esc(s):
    out = []
    for b in s.encode('utf-8'):
        if b <= 0x20 or b >= 0x7f or b == 0x25:
            out.append('%%%02X' % b)
        else:
            out.append(chr(b))
    return ''.join(out)


def records(name, recs):
    txt_from_spf = []
    has_txt = any(isinstance(r, dict) and 'TXT' in r for r in recs)
    for r in recs:
        if not isinstance(r, dict):
            yield [name, str(r)]  # TIMEOUT
            continue
        for t, v in r.items():
            if t == 'SPF':
                if not has_txt:
                    txt_from_spf.append(v)
                continue
            if t == 'MX':
                yield [name, 'MX', str(v[0]), v[1]]
            elif t == 'TXT' and v == 'NONE':
                continue  # the driver convention for "no TXT record here"
            elif t == 'TXT':
                yield [name, 'TXT'] + (v if isinstance(v, list) else [v])
            else:
                yield [name, t, str(v)]
    for v in txt_from_spf:
        yield [name, 'TXT'] + (v if isinstance(v, list) else [v])


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, encoding='utf-8') as f:
        docs = list(yaml.safe_load_all(f))
    with open(dst, 'w', encoding='ascii') as out:
        for d in docs:
            out.write('S\t%s\n' % esc(d.get('description', '')))
            for name, recs in d.get('zonedata', {}).items():
                for rec in records(name, recs):
                    out.write('Z\t' + '\t'.join(esc(x) for x in rec) + '\n')
            for tid, t in d['tests'].items():
                res = t['result']
                res = res if isinstance(res, list) else [res]
                exp = t.get('explanation', '')
                out.write('T\t' + '\t'.join(
                    esc(x) for x in [tid, t['helo'], str(t['host']), t['mailfrom'],
                                     ','.join(res), exp]) + '\n')


if __name__ == '__main__':
    main()
