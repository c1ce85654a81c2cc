// What happens to a session and its will when its connection goes away:
// immediate or delayed will, session expiry, and session end.
#pragma once

#include <optional>

#include "pummelo/protocol/packets.hpp"

namespace pummelo::broker {

class event_loop;
class session;

/// Publishes a will as an ordinary message from `origin`.
void publish_will(event_loop& loop, protocol::will_message&& w, std::uint64_t origin);

/// The session's connection closed. `will` is the will still in force (none
/// after a clean DISCONNECT). Starts the will-delay and expiry timers, or ends
/// the session at once when its expiry interval is 0. `taken_over` leaves the
/// session's fate to the new connection.
void connection_lost(event_loop& loop, session& s, std::optional<protocol::will_message> will,
                     bool taken_over);

/// Ends the session now: publishes a pending delayed will, drops its
/// subscriptions, frees it.
void end_session(event_loop& loop, session& s);

}  // namespace pummelo::broker
