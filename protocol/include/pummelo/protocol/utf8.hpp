// UTF-8 well-formedness as MQTT requires it (spec 1.5.4).
#pragma once

#include <string_view>

namespace pummelo::protocol {

/// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates,
/// nothing above U+10FFFF) and contains no U+0000.
bool valid_mqtt_utf8(std::string_view s) noexcept;

}  // namespace pummelo::protocol
