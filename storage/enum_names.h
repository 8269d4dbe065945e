#pragma once
// The names a storage enum has in the schema's TEXT columns: a table indexed by the enum's
// value, read both ways. One place for the lookup that node kinds, generation statuses and
// stop reasons all need.
#include <cstddef>
#include <optional>
#include <string_view>

namespace fabulist::storage {

// The name of `value`; `names[0]` for a value outside the table.
template <typename Enum, size_t N>
const char* enumName(const char* const (&names)[N], Enum value) noexcept {
    const auto index = static_cast<size_t>(value);
    return index < N ? names[index] : names[0];
}

// The enum value named `name`; nullopt for a name not in the table.
template <typename Enum, size_t N>
std::optional<Enum> enumFromName(const char* const (&names)[N], std::string_view name) noexcept {
    for (size_t i = 0; i < N; ++i)
        if (name == names[i]) return static_cast<Enum>(i);
    return std::nullopt;
}

} // namespace fabulist::storage
