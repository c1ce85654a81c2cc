// Worker processes: a process may hold at most 20,000 files, so the clients
// are spread over forked workers. Each reports over a pipe in a line format:
//   "R <connected> <refused> <failed> <timed_out> <first_ns> <last_ns> <sub_refused> <histogram>\n"
//     once its connect phase is over; in subscribe mode then, while held,
//   "P <seq> <received> <duplicates> <first_ns> <last_ns> <dropped> <foreign> <bad> <histogram>\n"
//     (cumulative figures of push <seq>, 0 = only the worker-wide ones changed);
//   and, after the parent's release,
//   "D <dropped>\n"
// The parent releases the workers (closes the sessions) by closing a second pipe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "conn_scenario.hpp"

namespace pummelo::bench {

struct worker_proc {
  pid_t pid = -1;
  int report_fd = -1;   // parent reads
  int release_fd = -1;  // parent closes to release
  std::string buffer;   // partial line
  bool reported = false, finished = false;
};

/// Parses an "R" line into `r` (adds to it). False on garbage.
bool parse_report_line(const std::string& line, conn_result& r);
/// Parses a "P" line (replaces `p` and `st`). False on garbage.
bool parse_progress_line(const std::string& line, std::uint32_t& seq, push_progress& p, hold_status& st);

/// Forks opt.workers workers running the conn scenario on an even share of
/// the clients. Throws std::runtime_error if a fork or pipe fails.
std::vector<worker_proc> spawn_conn_workers(const conn_options& opt, steady::time_point deadline);

/// Waits (until `until`) for every worker's "R" line; sums them into `total`.
/// Returns false if some worker did not report in time or reported garbage.
bool collect_reports(std::vector<worker_proc>& ws, conn_result& total, steady::time_point until);

/// Releases the workers, adds their "D" lines to `total`, reaps them; kills
/// any worker still alive at `until`. Returns false if any worker failed.
bool release_workers(std::vector<worker_proc>& ws, conn_result& total, steady::time_point until);

/// How long the workers may take to close `sessions` sessions once released.
/// Closing costs the load generator and the brokers about a second per
/// 20,000 sessions here; a fixed allowance killed the workers of a 1M run
/// mid-close and reported the run as failed.
steady::duration release_allowance(std::uint64_t sessions);

}  // namespace pummelo::bench
