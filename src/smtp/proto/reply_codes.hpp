// Named SMTP reply codes (RFC 5321 §4.2) with their enhanced status codes
// (RFC 3463, RFC 2034, registry RFC 5248). Handlers use these names, never
// bare numbers. Each constant is a code, an enhanced code and default text;
// a handler may replace the text (see smtp/proto/reply.hpp).
// Thread rules: constants only.
#pragma once

#include <cstdint>
#include <string_view>

namespace postino::smtp {

struct ReplyCode {
  uint16_t code;
  std::string_view enhanced;  // "x.y.z"; empty for greetings and EHLO/HELO (RFC 2034 §3)
  std::string_view text;
};

// 2xx
inline constexpr ReplyCode kServiceReady{220, "", "ESMTP ready"};               // RFC 5321 §4.2.3
inline constexpr ReplyCode kStartTlsReady{220, "2.0.0", "Ready to start TLS"};  // RFC 3207 §4
inline constexpr ReplyCode kClosing{221, "2.0.0", "Bye"};
inline constexpr ReplyCode kAuthSucceeded{235, "2.7.0",
                                          "Authentication successful"};  // RFC 4954 §6
inline constexpr ReplyCode kHelloOk{250, "", ""};                        // EHLO/HELO reply
inline constexpr ReplyCode kOk{250, "2.0.0", "OK"};
inline constexpr ReplyCode kSenderOk{250, "2.1.0", "Sender OK"};
inline constexpr ReplyCode kRecipientOk{250, "2.1.5", "Recipient OK"};
inline constexpr ReplyCode kMessageAccepted{250, "2.6.0", "Message accepted"};
inline constexpr ReplyCode kResetOk{250, "2.0.0", "Reset"};
inline constexpr ReplyCode kVrfyCannot{252, "2.5.0", "Cannot VRFY user, but will accept message"};
inline constexpr ReplyCode kHelp{214, "2.0.0", "See RFC 5321"};

// 3xx
inline constexpr ReplyCode kAuthContinue{334, "", ""};  // RFC 4954 §4: no enhanced code
inline constexpr ReplyCode kStartMailInput{354, "", "End data with <CR><LF>.<CR><LF>"};

// 4xx
inline constexpr ReplyCode kServiceUnavailable{421, "4.3.2", "Service not available"};
inline constexpr ReplyCode kTooManyErrors{421, "4.7.0", "Too many errors"};
inline constexpr ReplyCode kTimeout{421, "4.4.2", "Timeout"};
inline constexpr ReplyCode kMailboxBusy{450, "4.2.0", "Mailbox busy"};
inline constexpr ReplyCode kLocalError{451, "4.3.0", "Local error in processing"};
inline constexpr ReplyCode kTempAuthFailure{454, "4.7.0", "Temporary authentication failure"};
inline constexpr ReplyCode kTlsUnavailable{454, "4.7.0", "TLS not available"};
inline constexpr ReplyCode kQuota{452, "4.2.2", "Mailbox full"};
inline constexpr ReplyCode kTooManyRecipients{452, "4.5.3", "Too many recipients"};
inline constexpr ReplyCode kInsufficientStorage{452, "4.3.1", "Insufficient system storage"};
inline constexpr ReplyCode kTempRejected{451, "4.7.1", "Try again later"};
inline constexpr ReplyCode kParamsTemporarilyUnavailable{455, "4.5.4",
                                                         "Parameters not accommodated"};

// 5xx
inline constexpr ReplyCode kUnknownCommand{500, "5.5.1", "Command unrecognized"};
inline constexpr ReplyCode kLineTooLong{500, "5.5.2", "Line too long"};  // RFC 5321 §4.5.3.1.10
inline constexpr ReplyCode kSyntaxError{500, "5.5.2", "Syntax error"};
inline constexpr ReplyCode kSyntax{501, "5.5.4", "Syntax error in parameters or arguments"};
inline constexpr ReplyCode kBadSenderSyntax{501, "5.1.7", "Bad sender address syntax"};
inline constexpr ReplyCode kBadRecipientSyntax{501, "5.1.3", "Bad recipient address syntax"};
inline constexpr ReplyCode kBadBase64{501, "5.5.2", "Invalid base64 data"};  // RFC 4954 §4
inline constexpr ReplyCode kAuthCancelled{501, "5.0.0", "Authentication cancelled"};
inline constexpr ReplyCode kNotImplemented{502, "5.5.1", "Command not implemented"};
inline constexpr ReplyCode kBadSequence{503, "5.5.1", "Bad sequence of commands"};
inline constexpr ReplyCode kParamNotImplemented{504, "5.5.4", "Parameter not implemented"};
inline constexpr ReplyCode kAuthMechUnknown{504, "5.5.4", "Unrecognized authentication type"};
inline constexpr ReplyCode kAuthRequired{530, "5.7.0", "Authentication required"};
inline constexpr ReplyCode kTlsRequired{530, "5.7.0", "Must issue a STARTTLS command first"};
inline constexpr ReplyCode kAuthTooWeak{534, "5.7.9", "Authentication mechanism is too weak"};
inline constexpr ReplyCode kAuthInvalid{535, "5.7.8", "Authentication credentials invalid"};
inline constexpr ReplyCode kEncryptionRequired{538, "5.7.11", "Encryption required"};
inline constexpr ReplyCode kMailboxUnavailable{550, "5.1.1", "Mailbox unavailable"};
inline constexpr ReplyCode kRelayDenied{550, "5.7.1", "Relaying denied"};
inline constexpr ReplyCode kPolicyRejected{550, "5.7.1", "Message rejected by policy"};
inline constexpr ReplyCode kSenderNotOwned{553, "5.7.1", "Sender address not owned by user"};
inline constexpr ReplyCode kBareNewline{550, "5.5.2", "Bare CR or LF in message; use CRLF"};
inline constexpr ReplyCode kUserNotLocal{551, "5.1.6", "User not local"};
inline constexpr ReplyCode kSizeExceeded{552, "5.3.4", "Message size exceeds fixed limit"};
inline constexpr ReplyCode kQuotaExceeded{552, "5.2.2", "Mailbox full"};
inline constexpr ReplyCode kMailboxNameInvalid{553, "5.1.3", "Mailbox name not allowed"};
inline constexpr ReplyCode kNonAsciiNotPermitted{
    553, "5.6.7", "Non-ASCII address requires SMTPUTF8"};  // RFC 6531 §3.5
inline constexpr ReplyCode kTransactionFailed{554, "5.0.0", "Transaction failed"};
inline constexpr ReplyCode kDataLineTooLong{554, "5.6.0", "Message line too long"};
inline constexpr ReplyCode kNoValidRecipients{554, "5.5.1", "No valid recipients"};
inline constexpr ReplyCode kBadParams{555, "5.5.4", "MAIL/RCPT parameters not recognized"};
inline constexpr ReplyCode kNoService{521, "5.3.2", "No mail service"};  // RFC 7504

}  // namespace postino::smtp
