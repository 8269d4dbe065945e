#pragma once
// Kernel tests loop over every ISA and skip the ones this CPU lacks. Those kernels are then
// untested, which must show as a skip, never as a pass.

#include "inference/quant/quant_kernels.h"

#include <QStringList>
#include <QTest>

namespace fabulist::inference::test {

inline QString isasThisCpuLacks() {
    QStringList missing;
    if (!quantIsaAvailable(QuantIsa::Avx2)) missing << QStringLiteral("AVX2");
    if (!quantIsaAvailable(QuantIsa::Avx512)) missing << QStringLiteral("AVX-512 VNNI");
    return missing.join(QStringLiteral(", "));
}

} // namespace fabulist::inference::test

// At the end of a test function that looped over the ISAs: a skip naming the untested ones.
#define SKIP_UNTESTED_ISAS()                                                                       \
    do {                                                                                           \
        const QString missing_ = fabulist::inference::test::isasThisCpuLacks();                    \
        if (!missing_.isEmpty())                                                                   \
            QSKIP(qPrintable(QStringLiteral("the ") + missing_ +                                   \
                             QStringLiteral(" kernels were not tested: this CPU lacks them")));    \
    } while (false)
