#include "ctl_table.hpp"

#include <algorithm>
#include <stdexcept>

#include "ctl_format.hpp"

namespace pummelo::ctl {

namespace {

constexpr std::string_view gap = "  ";

void append_line(std::string& out, const std::vector<std::string>& cells,
                 const std::vector<column>& columns, const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) line += gap;
    const std::size_t pad = widths[i] - display_width(cells[i]);
    if (columns[i].alignment == align::right) line.append(pad, ' ');
    line += cells[i];
    if (columns[i].alignment == align::left) line.append(pad, ' ');
  }
  line.erase(line.find_last_not_of(' ') + 1);
  out += line;
  out += '\n';
}

}  // namespace

table::table(std::vector<column> columns) : columns_(std::move(columns)) {}

void table::add_row(std::vector<std::string> cells) {
  if (cells.size() > columns_.size()) throw std::invalid_argument("table row has too many cells");
  cells.resize(columns_.size());
  for (auto& c : cells) c = printable(c);
  rows_.push_back(std::move(cells));
}

std::string table::render() const {
  std::vector<std::string> header;
  std::vector<std::size_t> widths;
  for (const auto& c : columns_) {
    header.push_back(c.header);
    widths.push_back(display_width(c.header));
  }
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  std::string out;
  append_line(out, header, columns_, widths);
  for (const auto& row : rows_) append_line(out, row, columns_, widths);
  return out;
}

}  // namespace pummelo::ctl
