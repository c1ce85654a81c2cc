#include "worker.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace pummelo::bench {
namespace {

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    auto n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void report_line(const conn_result& r, void* ctx) {
  const int fd = *static_cast<int*>(ctx);
  write_all(fd, "R " + std::to_string(r.connected) + ' ' + std::to_string(r.refused) + ' ' +
                    std::to_string(r.failed) + ' ' + std::to_string(r.timed_out) + ' ' +
                    std::to_string(r.first_connect_ns) + ' ' + std::to_string(r.last_connack_ns) +
                    ' ' + std::to_string(r.sub_refused) + ' ' + r.latency_us.serialize() + '\n');
}

void progress_line(std::uint32_t seq, const push_progress& p, const hold_status& st, void* ctx) {
  const int fd = *static_cast<int*>(ctx);
  write_all(fd, "P " + std::to_string(seq) + ' ' + std::to_string(p.received) + ' ' +
                    std::to_string(p.duplicates) + ' ' + std::to_string(p.first_ns) + ' ' +
                    std::to_string(p.last_ns) + ' ' + std::to_string(st.dropped) + ' ' +
                    std::to_string(st.foreign) + ' ' + std::to_string(st.bad_packets) + ' ' +
                    p.latency_us.serialize() + '\n');
}

[[noreturn]] void worker_main(const conn_options& opt, unsigned index, steady::time_point deadline,
                              int report_fd, int release_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the parent
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  const std::uint64_t share = opt.clients / opt.workers, extra = opt.clients % opt.workers;
  const std::uint64_t first = index * share + std::min<std::uint64_t>(index, extra);
  const std::uint64_t count = share + (index < extra ? 1 : 0);
  int status = 0;
  try {
    conn_hooks hooks{release_fd, &report_line,
                     opt.subscribe_topic.empty() ? nullptr : &progress_line, &report_fd};
    auto r = run_conn_worker(opt, index, opt.workers, first, count, deadline, hooks);
    write_all(report_fd, "D " + std::to_string(r.dropped) + '\n');
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pummelo-bench: worker %u: %s\n", index, e.what());
    status = 1;
  }
  ::_exit(status);
}

// Reads available bytes from every worker not yet done with `want` lines;
// returns when `done(w)` holds for all or `until` passes.
template <class Done, class OnLine>
bool pump_lines(std::vector<worker_proc>& ws, steady::time_point until, Done done, OnLine on_line) {
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<worker_proc*> who;
    for (auto& w : ws)
      if (!done(w) && w.report_fd >= 0) {
        fds.push_back({w.report_fd, POLLIN, 0});
        who.push_back(&w);
      }
    if (fds.empty()) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()).count();
    if (left <= 0) return false;
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) return false;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto& w = *who[i];
      char buf[4096];
      auto got = ::read(w.report_fd, buf, sizeof buf);
      if (got <= 0) {  // EOF: the worker is gone
        ::close(w.report_fd);
        w.report_fd = -1;
        continue;
      }
      w.buffer.append(buf, static_cast<std::size_t>(got));
      for (auto nl = w.buffer.find('\n'); nl != std::string::npos; nl = w.buffer.find('\n')) {
        on_line(w, w.buffer.substr(0, nl));
        w.buffer.erase(0, nl + 1);
      }
    }
  }
  for (auto& w : ws)
    if (!done(w)) return false;
  return true;
}

}  // namespace

bool parse_report_line(const std::string& line, conn_result& total) {
  if (!line.starts_with("R ")) return false;
  std::istringstream in(line.substr(2));
  conn_result r;
  if (!(in >> r.connected >> r.refused >> r.failed >> r.timed_out >> r.first_connect_ns >>
        r.last_connack_ns >> r.sub_refused))
    return false;
  std::string rest;
  std::getline(in, rest);
  if (!r.latency_us.parse(rest)) return false;
  total.merge(r);
  return true;
}

bool parse_progress_line(const std::string& line, std::uint32_t& seq, push_progress& p,
                         hold_status& st) {
  if (!line.starts_with("P ")) return false;
  std::istringstream in(line.substr(2));
  push_progress np;
  hold_status ns;
  std::uint32_t s = 0;
  if (!(in >> s >> np.received >> np.duplicates >> np.first_ns >> np.last_ns >> ns.dropped >>
        ns.foreign >> ns.bad_packets))
    return false;
  std::string rest;
  std::getline(in, rest);
  if (!np.latency_us.parse(rest)) return false;
  seq = s;
  p = std::move(np);
  st = ns;
  return true;
}

std::vector<worker_proc> spawn_conn_workers(const conn_options& opt, steady::time_point deadline) {
  std::vector<worker_proc> ws;
  for (unsigned i = 0; i < opt.workers; ++i) {
    int rep[2], rel[2];
    if (::pipe(rep) != 0) throw std::runtime_error("pipe failed");
    if (::pipe(rel) != 0) throw std::runtime_error("pipe failed");
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      for (auto& w : ws) {  // the other workers' pipe ends
        ::close(w.report_fd);
        ::close(w.release_fd);
      }
      ::close(rep[0]);
      ::close(rel[1]);
      worker_main(opt, i, deadline, rep[1], rel[0]);
    }
    ::close(rep[1]);
    ::close(rel[0]);
    worker_proc w;
    w.pid = pid;
    w.report_fd = rep[0];
    w.release_fd = rel[1];
    ws.push_back(std::move(w));
  }
  return ws;
}

bool collect_reports(std::vector<worker_proc>& ws, conn_result& total, steady::time_point until) {
  bool ok = true;
  bool all = pump_lines(
      ws, until, [](const worker_proc& w) { return w.reported; },
      [&](worker_proc& w, const std::string& line) {
        if (line.starts_with("R ") && !w.reported) {
          w.reported = true;
          ok = parse_report_line(line, total) && ok;
        }
      });
  return all && ok;
}

bool release_workers(std::vector<worker_proc>& ws, conn_result& total, steady::time_point until) {
  for (auto& w : ws) {
    ::close(w.release_fd);
    w.release_fd = -1;
  }
  pump_lines(
      ws, until, [](const worker_proc& w) { return w.finished; },
      [&](worker_proc& w, const std::string& line) {
        if (line.starts_with("D ")) {
          w.finished = true;
          total.dropped += std::stoull(line.substr(2));
        }
      });
  bool ok = true;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    auto& w = ws[i];
    int status = 0;
    bool killed = false;
    for (;;) {  // reap, killing the worker once `until` has passed
      pid_t r = ::waitpid(w.pid, &status, WNOHANG);
      if (r == w.pid) break;
      if (r < 0 && errno != EINTR) { status = 1; break; }
      if (steady::now() >= until && !killed) {
        ::kill(w.pid, SIGKILL);
        killed = true;
      }
      ::usleep(10'000);
    }
    // Say which worker failed and how: the run's result only says that one did.
    if (killed) {
      std::fprintf(stderr, "pummelo-bench: worker %zu had not closed its sessions in the release "
                           "allowance; killed\n", i);
      ok = false;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (WIFSIGNALED(status))
        std::fprintf(stderr, "pummelo-bench: worker %zu died of signal %d\n", i, WTERMSIG(status));
      else
        std::fprintf(stderr, "pummelo-bench: worker %zu exited with status %d\n", i, WEXITSTATUS(status));
      ok = false;
    } else if (!w.finished) {
      // Its sessions dropped while held are unknown: the run cannot say
      // that nothing was lost.
      std::fprintf(stderr, "pummelo-bench: worker %zu exited without its closing report\n", i);
      ok = false;
    }
    if (w.report_fd >= 0) ::close(w.report_fd);
    w.report_fd = -1;
  }
  return ok;
}

steady::duration release_allowance(std::uint64_t sessions) {
  const double s = 5 + static_cast<double>(sessions) / 20000.0;
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

}  // namespace pummelo::bench
