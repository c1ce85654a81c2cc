// Delivering one message to the sessions of one loop.
#pragma once

#include <vector>

#include "message.hpp"
#include "pummelo/channel/topic_tree.hpp"

namespace pummelo::broker {

class event_loop;

/// Runs on `loop`'s thread. Merges the matches of each session (a session
/// whose filters overlap gets one copy at the highest QoS, with every
/// subscription identifier), applies no_local and retain-as-published, and
/// hands the message to each session.
void deliver_batch(event_loop& loop, const message_ptr& m, std::vector<channel::subscriber>& matches);

}  // namespace pummelo::broker
