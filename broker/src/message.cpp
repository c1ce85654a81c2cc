#include "message.hpp"

namespace pummelo::broker {

std::uint32_t message::remaining_expiry_s(clock::time_point now) const noexcept {
  if (!expires_at || now >= *expires_at) return 0;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*expires_at - now).count();
  return static_cast<std::uint32_t>((left + 999) / 1000);
}

}  // namespace pummelo::broker
