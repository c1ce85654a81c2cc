#include "pummelo/channel/detail/topic_node.hpp"

namespace pummelo::channel::detail {

topic_node* topic_node::filter_child(std::string_view level) noexcept {
  if (level == "+") return plus.get();
  if (level == "#") return hash.get();
  const auto it = children.find(level);
  return it == children.end() ? nullptr : it->second.get();
}

const topic_node* topic_node::filter_child(std::string_view level) const noexcept {
  if (level == "+") return plus.get();
  if (level == "#") return hash.get();
  return literal_child(level);
}

topic_node& topic_node::add_filter_child(std::string_view level) {
  if (level == "+" || level == "#") {
    std::unique_ptr<topic_node>& slot = level == "+" ? plus : hash;
    if (!slot) slot = std::make_unique<topic_node>(std::string(level), this);
    return *slot;
  }
  if (const auto it = children.find(level); it != children.end()) return *it->second;
  auto child = std::make_unique<topic_node>(std::string(level), this);
  const std::string_view key = child->level_name;  // views the child's own string
  return *children.emplace(key, std::move(child)).first->second;
}

void topic_node::erase_child(const topic_node* child) noexcept {
  if (child == plus.get()) {
    plus.reset();
  } else if (child == hash.get()) {
    hash.reset();
  } else {
    // Erase by iterator: the key views a string the erase destroys.
    const auto it = children.find(child->level_name);
    if (it != children.end()) children.erase(it);
  }
}

}  // namespace pummelo::channel::detail
