#include "ctl_options.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace pummelo::ctl {

namespace {

constexpr std::string_view program = "pummeloctl";

std::string check_kick(const invocation& inv) {
  if (inv.has("uid") == inv.has("client")) return "give exactly one of --uid and --client";
  return {};
}

struct global_spec {
  std::string_view name;
  char short_name;  // 0: none
  bool takes_value;
};

constexpr global_spec global_specs[] = {
    {"host", 0, true},     {"port", 0, true},   {"user", 'u', true},   {"password", 'P', true},
    {"json", 0, false},    {"timeout", 0, true}, {"tls", 0, false},    {"cafile", 0, true},
    {"cert", 0, true},     {"key", 0, true},    {"insecure", 0, false},
};

constexpr std::string_view global_options_help =
    R"(Global options (before or after the command; before it with passwd):
  --host HOST          server to connect to, a frontend or a gate (default 127.0.0.1)
  --port PORT          its MQTT port (default 1883)
  -u, --user USER      MQTT user name
  -P, --password PW    MQTT password (default: the environment's PUMMELO_PASSWORD)
  --json               print the server's result as JSON instead of a table
  --timeout SECONDS    how long to wait to connect and for an answer (default 10)
  --tls                connect with TLS (implied by --cafile and --cert)
  --cafile FILE        PEM CA certificates for the server's certificate
                       (default: the system's CA certificates)
  --cert FILE          PEM client certificate (the file may also hold its key)
  --key FILE           the client certificate's PEM private key
  --insecure           TLS without checking the server's certificate or host name
  -h, --help           help; `pummeloctl COMMAND --help` for one command
  --version            print the version
)";

constexpr std::string_view exit_status_help =
    "Exit status: 0 done, 1 the operation failed (message on stderr), 2 usage error.\n";

option_spec opt(std::string_view name, std::string_view metavar, std::string_view help,
               value_kind kind = value_kind::text, bool required = false) {
  return option_spec{name, metavar, help, kind, required};
}

std::vector<command_spec> make_commands() {
  std::vector<command_spec> c;
  c.push_back({
      .name = "status",
      .summary = "every server: roles, uptime, sessions, rates, memory, links, drops",
      .details =
          "One row per server of the cluster, in config order (frontends, channel servers,\n"
          "gates; a standalone broker is one server with all three roles). IN/S and OUT/S\n"
          "are messages per second over the last second, RSS is resident memory in MiB,\n"
          "LINKS the state of each RPC link. A server that the connected one cannot\n"
          "reach shows \"unreachable: <error>\" instead.\n",
  });
  c.push_back({
      .name = "top",
      .summary = "the rates of every server and in total, refreshed every second",
      .details =
          "Asks for status every second and redraws messages in/s and out/s, sessions and\n"
          "connections per server and in total, until Ctrl-C. When standard output is not\n"
          "a terminal, each refresh is printed as a block of its own (no escape codes);\n"
          "with --json, each refresh is the status result on one line. A failed request\n"
          "ends top with exit status 1.\n",
      .options = {opt("count", "N", "stop after N refreshes", value_kind::count)},
  });
  c.push_back({
      .name = "clients list",
      .summary = "client sessions, sorted by client id",
      .details =
          "Online and offline (persistent) sessions of the whole cluster. The footer says\n"
          "when more sessions match than are listed.\n",
      .options = {opt("uid", "U", "only the sessions of uid U"),
                  opt("frontend", "ID", "only the sessions on frontend ID"),
                  opt("limit", "N", "list at most N sessions (1..100000, default 100)",
                      value_kind::limit)},
  });
  c.push_back({
      .name = "clients show",
      .summary = "one session: identity, address, subscriptions, queues",
      .operands = {"CLIENT_ID"},
  });
  c.push_back({
      .name = "clients kick",
      .summary = "disconnect one session, or every session of a uid",
      .options = {opt("uid", "U", "every session of uid U"),
                  opt("client", "ID", "the session with client id ID")},
      .synopsis_options = "(--uid U | --client ID)",
      .check = check_kick,
  });
  c.push_back({
      .name = "channels list",
      .summary = "channels (topic filters with members), sorted by name",
      .options = {opt("prefix", "P", "only the channels whose name starts with P"),
                  opt("limit", "N", "list at most N channels (1..100000, default 100)",
                      value_kind::limit)},
  });
  c.push_back({
      .name = "channels show",
      .summary = "one channel's members, grouped by frontend",
      .details = "A member is a uid, or \"$client/<client id>\" for a session without one.\n",
      .operands = {"NAME"},
      .options = {opt("limit", "N", "list at most N members per frontend (1..100000, default 100)",
                      value_kind::limit)},
  });
  c.push_back({
      .name = "push",
      .summary = "publish to a topic's channel, or push to the sessions of uids",
      .details =
          "Without --uids, an ordinary publish on the topic (every member of its channel\n"
          "gets it); with --uids, the push API's delivery to those uids' sessions.\n",
      .options = {opt("topic", "T", "the topic", value_kind::text, true),
                  opt("payload", "P", "the payload", value_kind::text, true),
                  opt("qos", "0|1", "QoS of the delivery (default 0)", value_kind::qos),
                  opt("uids", "a,b,...", "push to the sessions of these uids only",
                      value_kind::uid_list)},
  });
  c.push_back({
      .name = "broadcast",
      .summary = "deliver to every online session",
      .options = {opt("topic", "T", "the topic the sessions receive", value_kind::text, true),
                  opt("payload", "P", "the payload", value_kind::text, true),
                  opt("qos", "0|1", "QoS of the delivery (default 0)", value_kind::qos)},
  });
  c.push_back({
      .name = "config check",
      .summary = "check a config file (locally: no connection)",
      .details =
          "Loads FILE as pummelo would, with the files it names (password file, ACL,\n"
          "TLS certificates); in a cluster config, every server (or just --server-id).\n"
          "Prints \"FILE: OK (<summary>)\", or the error with exit status 1.\n",
      .operands = {"FILE"},
      .options = {opt("server-id", "ID", "in a cluster config, check only server ID")},
      .needs_connection = false,
  });
  c.push_back({
      .name = "passwd",
      .summary = "manage a Mosquitto-compatible password file (as pummelo-passwd)",
      .details = "The same command as pummelo-passwd; see `pummeloctl passwd --help`.\n",
      .needs_connection = false,
      .synopsis_options = "[-b] [-c] [-D] FILE USER [PASSWORD]",
  });
  return c;
}

const option_spec* find_option(const command_spec* cmd, std::string_view name) {
  if (cmd == nullptr) return nullptr;
  for (const auto& o : cmd->options)
    if (o.name == name) return &o;
  return nullptr;
}

const global_spec* find_global(std::string_view name) {
  for (const auto& g : global_specs)
    if (g.name == name) return &g;
  return nullptr;
}

template <typename T>
bool parse_integer(std::string_view text, T& out, T min, T max) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) return false;
  out = v;
  return true;
}

// "" or why `value` is not a valid value of option `name` of that kind.
std::string check_value(std::string_view name, value_kind kind, const std::string& value) {
  const std::string opt = "--" + std::string(name);
  std::uint64_t n = 0;
  switch (kind) {
    case value_kind::flag:
    case value_kind::text:
      return {};
    case value_kind::limit:
      return parse_integer<std::uint64_t>(value, n, 1, 100000)
                 ? std::string{}
                 : opt + " must be an integer from 1 to 100000";
    case value_kind::qos:
      return value == "0" || value == "1" ? std::string{} : opt + " must be 0 or 1";
    case value_kind::count:
      return parse_integer<std::uint64_t>(value, n, 1, std::numeric_limits<std::uint32_t>::max())
                 ? std::string{}
                 : opt + " must be a positive integer";
    case value_kind::uid_list:
      for (const auto& item : split_list(value))
        if (item.empty()) return opt + " must be a comma-separated list of uids, none empty";
      return {};
  }
  return {};
}

// Applies a global option; "" or a usage error.
std::string apply_global(global_options& g, std::string_view name, const std::string& value) {
  if (name == "host") {
    if (value.empty()) return "--host must not be empty";
    g.host = value;
  } else if (name == "port") {
    if (!parse_integer<std::uint16_t>(value, g.port, 1, 65535))
      return "--port must be an integer from 1 to 65535";
  } else if (name == "user") {
    g.user = value;
  } else if (name == "password") {
    g.password = value;
  } else if (name == "json") {
    g.json = true;
  } else if (name == "timeout") {
    if (!parse_integer<unsigned>(value, g.timeout_s, 1, 86400))
      return "--timeout must be a whole number of seconds from 1 to 86400";
  } else if (name == "tls") {
    g.tls = true;
  } else if (name == "cafile") {
    g.cafile = value;
    g.tls = true;
  } else if (name == "cert") {
    g.cert = value;
    g.tls = true;
  } else if (name == "key") {
    g.key = value;
  } else if (name == "insecure") {
    g.insecure = true;
  }
  return {};
}

// The commands whose name starts with `group` + ' ' ("clients" -> list, show, kick).
std::vector<const command_spec*> group_members(std::string_view group) {
  std::vector<const command_spec*> out;
  for (const auto& c : commands())
    if (c.name.size() > group.size() && c.name.substr(0, group.size()) == group &&
        c.name[group.size()] == ' ')
      out.push_back(&c);
  return out;
}

const command_spec* find_command(std::string_view name) {
  for (const auto& c : commands())
    if (c.name == name) return &c;
  return nullptr;
}

std::string short_usage(const command_spec* cmd) {
  if (cmd == nullptr)
    return "usage: pummeloctl [GLOBAL OPTIONS] COMMAND [ARGUMENTS]\n"
           "Try 'pummeloctl --help' for the commands and options.\n";
  return synopsis(*cmd) + "Try 'pummeloctl " + std::string(cmd->name) + " --help' for more.\n";
}

}  // namespace

const std::vector<command_spec>& commands() {
  static const std::vector<command_spec> all = make_commands();
  return all;
}

std::string invocation::value(std::string_view name, std::string_view fallback) const {
  auto it = options.find(name);
  return it == options.end() ? std::string(fallback) : it->second;
}

std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  for (;;) {
    const auto comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::string synopsis(const command_spec& cmd) {
  std::string s = "usage: " + std::string(program) + " " + std::string(cmd.name);
  for (auto operand : cmd.operands) s += " " + std::string(operand);
  if (!cmd.synopsis_options.empty()) {
    s += " " + std::string(cmd.synopsis_options);
  } else {
    for (const auto& o : cmd.options) {
      std::string part = "--" + std::string(o.name);
      if (!o.metavar.empty()) part += " " + std::string(o.metavar);
      s += o.required ? " " + part : " [" + part + "]";
    }
  }
  if (cmd.name == "passwd") return s + "\n";
  return s + " [GLOBAL OPTIONS]\n";
}

std::string command_help(const command_spec& cmd) {
  std::string summary(cmd.summary);
  if (!summary.empty() && summary[0] >= 'a' && summary[0] <= 'z')
    summary[0] = static_cast<char>(summary[0] - 'a' + 'A');
  std::string out = synopsis(cmd) + "\n" + summary + ".\n";
  if (!cmd.details.empty()) out += "\n" + std::string(cmd.details);
  if (!cmd.options.empty()) {
    out += "\nOptions:\n";
    for (const auto& o : cmd.options) {
      std::string left = "  --" + std::string(o.name);
      if (!o.metavar.empty()) left += " " + std::string(o.metavar);
      left.resize(std::max<std::size_t>(left.size() + 2, 23), ' ');
      out += left + std::string(o.help) + "\n";
    }
  }
  if (cmd.needs_connection)
    out += "\nGlobal options (connection, --json, TLS): see 'pummeloctl --help'.\n";
  return out;
}

std::string global_help() {
  std::string out =
      "usage: pummeloctl [GLOBAL OPTIONS] COMMAND [ARGUMENTS]\n\n"
      "Operates a pummelo broker or cluster through its admin API: connects with MQTT 5\n"
      "to a server with an MQTT listener (a frontend or a gate), sends one request and\n"
      "prints the answer, which that server gathers cluster-wide. `config check` and\n"
      "`passwd` work locally.\n\nCommands:\n";
  for (const auto& c : commands()) {
    std::string left = "  " + std::string(c.name);
    left.resize(std::max<std::size_t>(left.size() + 2, 18), ' ');
    out += left + std::string(c.summary) + "\n";
  }
  out += "\n";
  out += global_options_help;
  out += "\n";
  out += exit_status_help;
  return out;
}

parse_outcome parse_command_line(std::span<const std::string> args) {
  parse_outcome result;
  invocation& inv = result.inv;
  bool help = false, version = false, only_operands = false;
  std::string error;  // the first usage error; parsing goes on so that --help still wins
  auto fail = [&](std::string message) {
    if (error.empty()) error = std::move(message);
  };
  std::vector<std::string> words;  // command words given so far, while no command is known
  const command_spec* cmd = nullptr;

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!only_operands && arg == "--") {
      only_operands = true;
      continue;
    }
    if (!only_operands && arg.size() > 1 && arg[0] == '-') {
      std::string name;
      std::optional<std::string> inline_value;
      if (arg.size() > 2 && arg[1] == '-') {
        const auto eq = arg.find('=');
        name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        if (eq != std::string::npos) inline_value = arg.substr(eq + 1);
      } else if (arg == "-h") {
        name = "help";
      } else if (arg.size() == 2) {
        for (const auto& g : global_specs)
          if (g.short_name == arg[1]) name = g.name;
      }
      if (name == "help") {
        help = true;
        continue;
      }
      if (name == "version") {
        version = true;
        continue;
      }
      const global_spec* g = name.empty() ? nullptr : find_global(name);
      const option_spec* o = (g || name.empty()) ? nullptr : find_option(cmd, name);
      if (g == nullptr && o == nullptr) {
        fail("unknown option '" + arg + "'");
        continue;
      }
      const bool takes_value = g ? g->takes_value : o->kind != value_kind::flag;
      std::string value;
      if (!takes_value) {
        if (inline_value) fail("option --" + name + " takes no value");
      } else if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        fail("option '" + arg + "' needs a value");
        continue;
      }
      if (g != nullptr) {
        if (auto e = apply_global(inv.global, name, value); !e.empty()) fail(e);
      } else {
        if (auto e = check_value(name, o->kind, value); !e.empty()) fail(e);
        inv.options[name] = value;
      }
      continue;
    }
    if (cmd != nullptr) {
      inv.operands.push_back(arg);
      continue;
    }
    words.push_back(arg);
    std::string joined;
    for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
    if ((cmd = find_command(joined)) != nullptr) {
      if (cmd->name == "passwd") {  // its arguments are its own
        inv.passthrough.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
        break;
      }
      continue;
    }
    if (words.size() == 1 && !group_members(joined).empty()) continue;  // "clients": wait for the action
    if (words.size() == 1) {
      fail("unknown command '" + arg + "'");
    } else {
      fail("unknown command '" + joined + "'");
    }
    only_operands = true;  // the rest cannot be interpreted
    words.clear();
  }

  if (help) {
    result.what = parse_outcome::kind::help;
    if (cmd != nullptr) {
      result.text = command_help(*cmd);
    } else if (words.size() == 1 && !group_members(words[0]).empty()) {
      for (const auto* m : group_members(words[0]))
        result.text += (result.text.empty() ? "" : "\n") + command_help(*m);
    } else {
      result.text = global_help();
    }
    return result;
  }
  if (version) {
    result.what = parse_outcome::kind::version;
    return result;
  }

  if (error.empty() && cmd == nullptr) {
    if (words.empty()) {
      fail("missing command");
    } else {
      std::string actions;
      const auto members = group_members(words[0]);
      for (std::size_t k = 0; k < members.size(); ++k) {
        if (k > 0) actions += k + 1 == members.size() ? " or " : ", ";
        actions += members[k]->name.substr(words[0].size() + 1);
      }
      fail(words[0] + ": missing subcommand (" + actions + ")");
    }
  }
  if (error.empty() && cmd != nullptr) {
    if (inv.operands.size() < cmd->operands.size()) {
      fail("missing " + std::string(cmd->operands[inv.operands.size()]));
    } else if (inv.operands.size() > cmd->operands.size()) {
      fail("unexpected argument '" + inv.operands[cmd->operands.size()] + "'");
    }
    for (const auto& o : cmd->options)
      if (o.required && !inv.has(o.name)) fail("missing --" + std::string(o.name));
    if (!inv.global.key.empty() && inv.global.cert.empty()) fail("--key needs --cert");
    if (inv.global.insecure && !inv.global.tls) fail("--insecure applies to TLS only (add --tls)");
    if (cmd->check != nullptr)
      if (auto e = cmd->check(inv); !e.empty()) fail(e);
  }
  if (!error.empty()) {
    result.what = parse_outcome::kind::usage_error;
    result.text = "pummeloctl: " + error + "\n" + short_usage(cmd);
    return result;
  }
  inv.command = cmd;
  result.what = parse_outcome::kind::run;
  return result;
}

}  // namespace pummelo::ctl
