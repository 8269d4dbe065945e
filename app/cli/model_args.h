#pragma once
// Command-line parsing for the model commands: "-m PATH", "--temp 0.8", "--json". Every
// problem is a UsageError whose message says which argument is wrong; the command then prints
// its usage line and exits with status 2.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace fabulist::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ArgSpec {
    std::vector<std::string> names; // "-m", "--model"
    bool takesValue = true;
};

class ModelArgs {
public:
    // Throws UsageError for unknown flags, missing values and surplus positionals.
    ModelArgs(const std::vector<std::string>& args, const std::vector<ArgSpec>& specs,
              size_t maxPositionals = 0);

    bool has(const std::string& name) const; // any spelling of the flag
    std::string string(const std::string& name, const std::string& fallback = {}) const;
    std::string requiredString(const std::string& name) const;
    int64_t integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
    // A finite number (nan and inf are refused); with min/max, also in [min, max].
    double number(const std::string& name, double fallback) const;
    double number(const std::string& name, double fallback, double min, double max) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

private:
    const ArgSpec* find(const std::string& flag) const;
    std::optional<std::string> value(const std::string& name) const;

    std::vector<ArgSpec> m_specs;
    std::map<std::string, std::string> m_values; // canonical (first) name -> value
    std::set<std::string> m_flags;
    std::vector<std::string> m_positionals;
};

// Prints "fabulist-cli <command>: <message>" and the usage to stderr; returns 2.
int usageFailure(const char* command, const char* usage, const std::string& message);
// Prints "fabulist-cli <command>: <message>" to stderr; returns 1.
int runtimeFailure(const char* command, const std::string& message);

// Checks that a model path names a readable file; throws UsageError that says what to do.
void requireModelFile(const std::string& path);

// `given` when not empty; otherwise the shipped default model (inference::defaultModelPath()),
// after checking its SHA-256 (throws inference::EngineError saying how to restore it).
std::string modelPathOrDefault(const std::string& given);

} // namespace fabulist::cli
