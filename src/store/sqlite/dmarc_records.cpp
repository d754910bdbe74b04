// SqliteBackend: DMARC aggregate-report records (store/dmarc_records.hpp).
// Inserts go through the group-commit writer like every other write; listing
// runs on a pooled read connection. The DKIM results of a record are kept in
// one column, one "domain selector result" line per signature (the values
// are DNS labels and result keywords, which hold no spaces or line breaks;
// any that slipped in are replaced so a line always splits back the same).
#include <future>

#include "base/strings.hpp"
#include "store/sql/dmarc_queries.hpp"
#include "store/sql/queries.hpp"
#include "store/sqlite/sqlite_backend.hpp"

namespace postino::store::sqlite {
namespace {

constexpr size_t kMaxDkimPerRecord = 16;
constexpr size_t kMaxFieldBytes = 1024;  // a bound on each stored text value

std::string bounded(const std::string& s) { return s.substr(0, kMaxFieldBytes); }

std::string one_word(const std::string& s) {
  std::string out = bounded(s);
  for (char& c : out)
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') c = '_';
  return out.empty() ? "-" : out;
}

std::string encode_dkim(const std::vector<DmarcReportRecord::Dkim>& v) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < kMaxDkimPerRecord; ++i) {
    if (!out.empty()) out += '\n';
    out += one_word(v[i].domain) + ' ' + one_word(v[i].selector) + ' ' + one_word(v[i].result);
  }
  return out;
}

std::vector<DmarcReportRecord::Dkim> decode_dkim(std::string_view s) {
  std::vector<DmarcReportRecord::Dkim> out;
  for (auto line : split(s, '\n')) {
    auto f = split(line, ' ');
    if (f.size() != 3) continue;
    auto word = [](std::string_view w) { return w == "-" ? std::string() : std::string(w); };
    out.push_back({word(f[0]), word(f[1]), word(f[2])});
  }
  return out;
}

DmarcReportRecord record_from_row(const Query& q) {
  DmarcReportRecord r;
  r.id = q.i64(0);
  r.evaluated_at = q.i64(1);
  r.source_ip = q.text(2);
  r.disposition = q.text(3);
  r.dkim_aligned = q.text(4);
  r.spf_aligned = q.text(5);
  r.override_reason = q.text(6);
  r.override_comment = q.text(7);
  r.header_from = q.text(8);
  r.envelope_from = q.text(9);
  r.envelope_to = q.text(10);
  r.policy_domain = q.text(11);
  r.p = q.text(12);
  r.sp = q.text(13);
  r.np = q.text(14);
  r.adkim = q.text(15);
  r.aspf = q.text(16);
  r.testing = q.i64(17) != 0;
  r.fo = q.text(18);
  r.rua = q.text(19);
  r.dkim = decode_dkim(q.text(20));
  r.spf_domain = q.text(21);
  r.spf_scope = q.text(22);
  r.spf_result = q.text(23);
  return r;
}

}  // namespace

Result<int64_t> SqliteBackend::add_dmarc_record(const DmarcReportRecord& rec) {
  auto out = std::make_shared<Result<int64_t>>(int64_t{0});
  std::promise<void> done;
  auto fut = done.get_future();
  WriteOp op;
  op.body = [out, r = rec](Db& db, OpContext&) -> Status {
    int64_t id = 0;
    {  // the statement is reset when q goes
      auto q = db.query(sql::kNextId, sql::kDmarcRecordSeq);
      if (!q) return q.take_error();
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) return make_error(Errc::internal, "no id sequence dmarc_record");
      id = q->i64(0);
    }
    auto st =
        db.run(sql::kAddDmarcRecord, id, r.evaluated_at, bounded(r.source_ip),
               bounded(r.disposition), bounded(r.dkim_aligned), bounded(r.spf_aligned),
               bounded(r.override_reason), bounded(r.override_comment), bounded(r.header_from),
               bounded(r.envelope_from), bounded(r.envelope_to), bounded(r.policy_domain),
               bounded(r.p), bounded(r.sp), bounded(r.np), bounded(r.adkim), bounded(r.aspf),
               int64_t{r.testing ? 1 : 0}, bounded(r.fo), bounded(r.rua), encode_dkim(r.dkim),
               bounded(r.spf_domain), bounded(r.spf_scope), bounded(r.spf_result));
    if (!st) return st;
    *out = id;
    return {};
  };
  op.done = [out, &done](Status st) {
    if (!st) *out = st.take_error();
    done.set_value();
  };
  submit(std::move(op));
  fut.wait();
  return std::move(*out);
}

Result<std::vector<DmarcReportRecord>> SqliteBackend::list_dmarc_records(int64_t from, int64_t to) {
  auto c = read_conn();
  if (!c) return c.take_error();
  auto q = (*c)->query(sql::kListDmarcRecords, from, to);
  if (!q) return q.take_error();
  std::vector<DmarcReportRecord> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return out;
    out.push_back(record_from_row(*q));
  }
}

}  // namespace postino::store::sqlite
