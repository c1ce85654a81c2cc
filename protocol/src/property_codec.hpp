// Internal: reading and writing MQTT 5 property sections (spec 2.2.2).
#pragma once

#include <cstddef>

#include "pummelo/protocol/error.hpp"
#include "pummelo/protocol/limits.hpp"
#include "pummelo/protocol/properties.hpp"
#include "wire.hpp"

namespace pummelo::protocol::detail {

/// Reads a property length and the properties after it into `out`, checking
/// ids against `ctx`, duplicates, values and the limits.
errc decode_properties(reader& r, property_context ctx, const limits& lim,
                       properties& out);

/// Bytes of a property section including its length prefix.
std::size_t properties_size(const properties& p) noexcept;

/// Writes the length prefix and the properties, in property id order.
void write_properties(writer& w, const properties& p) noexcept;

}  // namespace pummelo::protocol::detail
