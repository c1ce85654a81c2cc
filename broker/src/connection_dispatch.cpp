// Routes each decoded packet of an established connection to its handler.
#include "connection.hpp"
#include "event_loop.hpp"

namespace pummelo::broker {

void connection::handle_packet(protocol::packet&& p) {
  using pt = protocol::packet_type;
  using rc = protocol::reason_code;
  switch (protocol::type_of(p)) {
    case pt::connect:
      close(rc::protocol_error, "second CONNECT");
      return;
    case pt::publish:
      loop_->stats().messages_received.add();
      on_publish(std::get<protocol::publish_packet>(std::move(p)));
      return;
    case pt::puback: on_puback(std::get<protocol::puback_packet>(p)); return;
    case pt::pubrec: on_pubrec(std::get<protocol::pubrec_packet>(p)); return;
    case pt::pubrel: on_pubrel(std::get<protocol::pubrel_packet>(p)); return;
    case pt::pubcomp: on_pubcomp(std::get<protocol::pubcomp_packet>(p)); return;
    case pt::subscribe: on_subscribe(std::get<protocol::subscribe_packet>(std::move(p))); return;
    case pt::unsubscribe: on_unsubscribe(std::get<protocol::unsubscribe_packet>(p)); return;
    case pt::pingreq: send(protocol::pingresp_packet{}); return;
    case pt::disconnect: on_disconnect(std::get<protocol::disconnect_packet>(p)); return;
    case pt::auth:
      close(rc::protocol_error, "AUTH without enhanced authentication");
      return;
    case pt::connack:
    case pt::suback:
    case pt::unsuback:
    case pt::pingresp:
      close(rc::protocol_error, "a server-to-client packet sent by a client");
      return;
  }
}

}  // namespace pummelo::broker
