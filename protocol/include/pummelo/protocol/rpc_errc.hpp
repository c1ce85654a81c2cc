// Errors of the internal RPC codec (rpc_frame.hpp, rpc_body.hpp), as values.
#pragma once

#include <cstdint>
#include <string_view>

namespace pummelo::protocol::rpc {

enum class rpc_errc : std::uint8_t {
  ok = 0,
  frame_too_short,        // length field below 9 (type + request id)
  frame_too_large,        // length field above the decoder's max_frame_size
  unknown_frame_type,     // type byte outside frame_type
  malformed_body,         // truncated field, trailing bytes, bad varint,
                          // non-empty heartbeat body
  bad_magic,              // hello body not starting with "PMLO"
  invalid_server_id,      // hello server id empty or not well-formed UTF-8
  unknown_status,         // response status byte outside rpc::status
  unexpected_frame_type,  // parse_* given a frame of another type
  too_many_elements,      // a list count above the reader's limit
};

/// Stable snake_case name of `e` ("unknown" outside the enum), for logs.
std::string_view to_string(rpc_errc e) noexcept;

}  // namespace pummelo::protocol::rpc
