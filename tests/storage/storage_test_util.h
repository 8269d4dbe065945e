#pragma once
// Helpers shared by the storage tests: temporary project paths, raw file bytes, and a check
// that an expression throws a StorageError of a given kind.

#include "storage/storage_error.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>
#include <iterator>
#include <string>

namespace fabulist::storage::test {

inline std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string pathIn(const QTemporaryDir& dir, const char* name) {
    return dir.filePath(QString::fromUtf8(name)).toStdString();
}

} // namespace fabulist::storage::test

// Runs `statement`, which must throw StorageError with the given kind; the error is then
// available as `caught` in the enclosing scope for further checks on its message.
#define EXPECT_STORAGE_ERROR(statement, expectedKind)                                              \
    do {                                                                                           \
        bool threw_ = false;                                                                       \
        try {                                                                                      \
            statement;                                                                             \
        } catch (const fabulist::storage::StorageError& error_) {                                  \
            threw_ = true;                                                                         \
            QCOMPARE(std::string(fabulist::storage::toString(error_.kind())),                      \
                     std::string(fabulist::storage::toString(expectedKind)));                      \
        }                                                                                          \
        QVERIFY2(threw_, "expected a StorageError from: " #statement);                             \
    } while (false)
