#pragma once
// The on-disk position cache of head training (records [hidden (nEmbd) | logits (nVocab)], one
// per position, then the positions' next tokens), for corpora whose cache does not fit the
// memory budget. Either an unlinked temporary file (gone with the process), or a named file
// that a resumed run can map again instead of running the model over the corpus once more.
//
// Named file layout (little-endian, as the machine writes it):
//   magic "FABHPC01" | u64 header bytes (multiple of 64) | u32 nEmbd | u32 nVocab |
//   u64 positions | u64 evaluated tokens | u32 fingerprint bytes | fingerprint | zero padding |
//   records (positions × (nEmbd + nVocab) f32) | targets (positions × i32)
// It is written as PATH.part and renamed to PATH when complete, so PATH is never partial.

#include "inference/head_training/head_face_loss.h"

#include <memory>
#include <string>

namespace fabulist::inference {

class HeadPositionCacheFile {
public:
    // An unlinked temporary file in `directory` (empty: $TMPDIR or /tmp).
    static std::unique_ptr<HeadPositionCacheFile> temporary(const std::string& directory, int nEmbd,
                                                            int nVocab, uint64_t positions);
    // A named file (see the layout above) identified by `fingerprint`.
    static std::unique_ptr<HeadPositionCacheFile> named(const std::string& path,
                                                        const std::string& fingerprint, int nEmbd,
                                                        int nVocab, uint64_t positions);
    ~HeadPositionCacheFile();
    HeadPositionCacheFile(const HeadPositionCacheFile&) = delete;
    HeadPositionCacheFile& operator=(const HeadPositionCacheFile&) = delete;

    // Appends values to the records (throws EngineError naming the file on a failed write).
    void write(const float* values, size_t count);
    // Completes the file (a named one gets its targets and header and is renamed into place)
    // and maps it into data.records / data.owner. data.targets and evaluatedTokens must be
    // filled.
    void finish(HeadTrainingData& data);

private:
    HeadPositionCacheFile() = default;
    void writeAt(const void* bytes, size_t count, uint64_t offset);

    int m_fd = -1;
    std::string m_path;     // the final path (named) or the directory (temporary)
    std::string m_partPath; // where a named file is written until complete
    uint64_t m_headerBytes = 0, m_recordBytes = 0, m_written = 0;
};

// Maps a complete named cache when it exists and matches fingerprint and shape: fills `data`
// (nEmbd, nVocab, targets, evaluatedTokens, records, owner) and returns true. Returns false,
// leaving `data` alone, when the file is missing, incomplete, damaged or from something else:
// the caller then computes the positions again.
bool openHeadPositionCache(const std::string& path, const std::string& fingerprint, int nEmbd,
                           int nVocab, uint64_t positions, HeadTrainingData& data);

} // namespace fabulist::inference
