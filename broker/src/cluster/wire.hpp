// The cluster's RPC methods and their payloads, carried in the request and
// response bodies of the link's frames (pummelo/protocol/rpc_frame.hpp).
//
//   frontend -> channel server
//     sync      membership changes, in order: u32 count, then per op
//               u8 kind | string key | string member
//     publish   a message for the owner of its topic to fan out
//     push      u8 mode | message | string list uids   -> push reply
//   channel server -> frontend
//     deliver       u8 flags | message: deliver to local subscribers
//     deliver_uids  u8 mode | message | string list uids -> push reply
//     takeover      string client id | u64 stamp: end that session here
//
//   message = string topic | blob payload | u8 qos | u8 flags
//             | u16 origin frontend | u64 origin session
//             | [u8 payload format] [u32 expiry s] [string content type]
//             [string response topic] [blob correlation data]
//             | u32 count, then string key | string value user properties
//   push reply = u64 sessions | u32 unreachable frontends | string list failed
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/topology.hpp"
#include "message.hpp"
#include "pummelo/protocol/rpc_body.hpp"

namespace pummelo::broker::cluster {

namespace method {
inline constexpr std::uint16_t sync = 1;
inline constexpr std::uint16_t publish = 2;
inline constexpr std::uint16_t push = 3;
inline constexpr std::uint16_t deliver = 16;
inline constexpr std::uint16_t deliver_uids = 17;
inline constexpr std::uint16_t takeover = 18;
// Any peer -> any server: the admin API's question for this server alone
// (JSON in, JSON out; see admin/admin_gather.hpp).
inline constexpr std::uint16_t admin = 32;
// A server without the frontend role (a gate) -> a frontend: carry out the
// admin command (a push, a kick by uid) and answer it whole.
inline constexpr std::uint16_t admin_relay = 33;
}  // namespace method

enum class op_kind : std::uint8_t {
  reset = 0,  // forget everything this frontend registered (sent first on a new link)
  join = 1,   // (filter, member): member has sessions subscribed here
  leave = 2,
  bind_uid = 3,  // (uid): the uid has sessions here
  unbind_uid = 4,
  // (client id, stamp in decimal): its session lives here now. The stamp
  // names that session, so that a late takeover or release cannot end a
  // newer one.
  claim = 5,
  release = 6,
  // A claim re-sent in a snapshot after a relink: it never displaces an
  // owner elsewhere that a claim set (the re-sending frontend's session is
  // taken over); against another reclaim, the later stamp wins.
  reclaim = 7,
};

struct sync_op {
  op_kind kind;
  std::string key;
  std::string member;  // join / leave only
};

enum class push_mode : std::uint8_t { uids = 0, kick = 1, broadcast = 2, broadcast_bound = 3 };

struct push_reply {
  bool ok = true;  // false: the request could not be carried out at all
  std::uint64_t sessions = 0;
  std::uint32_t unreachable_frontends = 0;  // broadcast: frontends that were down
  std::vector<std::string> failed;          // uids not reached
};

/// deliver flags
inline constexpr std::uint8_t deliver_store_retained = 1;

// Bounds on what a peer may send (checked before allocating).
inline constexpr std::uint32_t max_ops_per_frame = 1u << 20;
inline constexpr std::uint32_t max_uids_per_frame = 1u << 20;
inline constexpr std::uint32_t max_user_properties = 65535;

void write_message(protocol::rpc::body_writer& w, const message& m);
/// nullptr when malformed. The origin is kept as sent; a frontend clears it
/// for messages from other frontends (their session ids mean nothing here).
std::shared_ptr<message> read_message(protocol::rpc::body_reader& r);

void write_ops(std::vector<std::uint8_t>& out, std::span<const sync_op> ops);
/// nullopt when malformed.
std::optional<std::vector<sync_op>> read_ops(std::span<const std::uint8_t> body);

/// A push (frontend -> channel server) or deliver_uids (-> frontend) body.
struct push_call {
  push_mode mode;
  std::shared_ptr<message> msg;
  std::vector<std::string> uids;
};
void write_push_call(std::vector<std::uint8_t>& out, push_mode mode, const message& m,
                     const std::vector<std::string>& uids);
std::optional<push_call> read_push_call(std::span<const std::uint8_t> body);

void write_push_reply(std::vector<std::uint8_t>& out, const push_reply& r);
std::optional<push_reply> read_push_reply(std::span<const std::uint8_t> body);

}  // namespace pummelo::broker::cluster
