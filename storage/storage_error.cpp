#include "storage/storage_error.h"

namespace fabulist::storage {

const char* toString(StorageError::Kind kind) noexcept {
    using K = StorageError::Kind;
    switch (kind) {
    case K::NotFound:
        return "not-found";
    case K::NotAProject:
        return "not-a-project";
    case K::Corrupt:
        return "corrupt";
    case K::NewerSchema:
        return "newer-schema";
    case K::ReadOnly:
        return "read-only";
    case K::AlreadyOpen:
        return "already-open";
    case K::Locked:
        return "locked";
    case K::Io:
        return "io";
    case K::Constraint:
        return "constraint";
    case K::InvalidArgument:
        return "invalid-argument";
    case K::Internal:
        return "internal";
    }
    return "unknown";
}

} // namespace fabulist::storage
