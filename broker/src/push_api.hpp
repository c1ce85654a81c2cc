// The backend push API over MQTT: PUBLISHes to $push/uids, $push/broadcast
// and $push/kick. A request is validated first (a bad one is answered with an
// error naming the field, and nothing is delivered), then fanned out with one
// hand-off per event loop holding target sessions; a count-down latch over
// the loops gathers the result, which goes back on the request's response
// topic (MQTT 5, with its correlation data) or its "reply_to" (3.1.1).
#pragma once

#include <functional>
#include <string>

#include "pummelo/channel/subscription.hpp"
#include "push_request.hpp"
#include "pummelo/protocol/properties.hpp"

namespace pummelo::broker {

class server;

/// Handles one PUBLISH whose topic is under "$push/". Any loop thread.
void handle_push_request(server& srv, const std::string& topic, const std::string& payload,
                         const protocol::properties& props, channel::session_id origin);

/// Carries out a validated request (here, or for the admin API) through the
/// channel servers owning its uids (or its topic, for a broadcast), holding
/// one of limits.max_push_jobs slots until it ends. `done` runs once, on any
/// thread: with an error outcome at once when no slot is free.
void carry_out_push(server& srv, push_request req, channel::session_id origin,
                    std::function<void(push_outcome)> done);

}  // namespace pummelo::broker
