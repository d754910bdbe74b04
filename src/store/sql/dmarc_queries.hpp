// SQL for the DMARC aggregate-report data (store/dmarc_records.hpp, schema
// version 3), in the dialect SQLite and PostgreSQL share (see queries.hpp).
// Column order of the SELECT is the contract with the row reader in
// sqlite/dmarc_records.cpp.
// Thread rules: immutable data.
#pragma once

namespace postino::store::sql {

inline constexpr const char* kDmarcRecordSeq = "dmarc_record";

inline constexpr const char* kAddDmarcRecord =
    "INSERT INTO dmarc_records (id, evaluated_at, source_ip, disposition, dkim_aligned,"
    " spf_aligned, override_reason, override_comment, header_from, envelope_from, envelope_to,"
    " policy_domain, p, sp, np, adkim, aspf, testing, fo, rua, dkim_results, spf_domain,"
    " spf_scope, spf_result)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

// [from, to) by evaluation time, oldest first.
inline constexpr const char* kListDmarcRecords =
    "SELECT id, evaluated_at, source_ip, disposition, dkim_aligned, spf_aligned,"
    " override_reason, override_comment, header_from, envelope_from, envelope_to,"
    " policy_domain, p, sp, np, adkim, aspf, testing, fo, rua, dkim_results, spf_domain,"
    " spf_scope, spf_result"
    " FROM dmarc_records WHERE evaluated_at >= ? AND evaluated_at < ? ORDER BY evaluated_at, id";

}  // namespace postino::store::sql
