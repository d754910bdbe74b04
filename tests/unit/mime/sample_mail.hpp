// Test helper: realistic sample messages shared by the mime tests.
#pragma once

#include <string>

namespace mimetest {

// Converts '\n' line ends to CRLF.
inline std::string crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

// The encapsulated message of part 2 of nested_mail(), exactly as embedded.
inline std::string inner_mail() {
  return crlf(
      "From: c@example.com\n"
      "Subject: inner\n"
      "Content-Type: multipart/mixed; boundary=inner\n"
      "\n"
      "--inner\n"
      "Content-Type: text/plain\n"
      "\n"
      "inner text\n"
      "--inner\n"
      "Content-Type: application/pdf; name=\"x.pdf\"\n"
      "Content-Transfer-Encoding: base64\n"
      "Content-Language: en, fr\n"
      "Content-Location: http://example.com/x.pdf\n"
      "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
      "Content-Description: A PDF\n"
      "\n"
      "JVBERi0=\n"
      "--inner--");
}

// multipart/mixed > (multipart/alternative > (text, multipart/related > (html, png)),
//                     message/rfc822 > multipart/mixed > (text, pdf))
inline std::string nested_mail() {
  return crlf(
             "From: John Doe <jdoe@machine.example>\n"
             "To: Mary Smith <mary@example.net>, undisclosed:;\n"
             "Subject: nested\n"
             "Date: Fri, 21 Nov 1997 09:55:06 -0600\n"
             "Message-ID: <1234@local.machine.example>\n"
             "MIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=\"outer\"\n"
             "\n"
             "preamble --outer is not a boundary here\n"
             "--outer\n"
             "Content-Type: multipart/alternative; boundary=alt\n"
             "\n"
             "--alt\n"
             "Content-Type: text/plain; charset=utf-8\n"
             "\n"
             "plain body\n"
             "--alt\n"
             "Content-Type: multipart/related; boundary=\"rel\"; type=\"text/html\"\n"
             "\n"
             "--rel\n"
             "Content-Type: text/html; charset=utf-8\n"
             "Content-Transfer-Encoding: quoted-printable\n"
             "\n"
             "<p>hi</p>\n"
             "--rel\n"
             "Content-Type: image/png\n"
             "Content-ID: <img1@x>\n"
             "Content-Transfer-Encoding: base64\n"
             "Content-Disposition: inline; filename=\"a.png\"\n"
             "\n"
             "iVBORw0KGgo=\n"
             "--rel--\n"
             "--alt--\n"
             "--outer\n"
             "Content-Type: message/rfc822\n"
             "Content-Disposition: attachment\n"
             "\n") +
         inner_mail() +
         crlf(
             "\n"
             "--outer--\n"
             "epilogue\n"
             "--outer\n"
             "not a part\n");
}

}  // namespace mimetest
