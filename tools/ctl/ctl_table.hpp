// Plain ASCII tables: a header row and aligned columns separated by two
// spaces, no borders, no colors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pummelo::ctl {

enum class align { left, right };

struct column {
  std::string header;
  align alignment = align::left;
};

class table {
 public:
  explicit table(std::vector<column> columns);

  /// One row; missing cells are empty, extra cells are an error (throws
  /// std::invalid_argument). Control characters in cells become '?'.
  void add_row(std::vector<std::string> cells);

  std::size_t rows() const { return rows_.size(); }

  /// The header and every row, each line ending in '\n', no trailing blanks.
  std::string render() const;

 private:
  std::vector<column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace pummelo::ctl
