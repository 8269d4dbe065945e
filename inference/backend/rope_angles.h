#pragma once
// The RoPE angles of one position as every backend uses them: cos/sin per rotated pair, from
// ggml's float arithmetic (an angle table by repeated multiplication, libm cos/sin; YaRN's ramp
// and attention factor when params.extFactor is set), so backends rotate by identical numbers.

#include "inference/backend/backend.h"

namespace fabulist::inference {

// cosSin receives nRot values: (cos, sin) for each pair i of 0 .. nRot/2 - 1.
void ropeAngles(const RopeParams& params, int pos, float* cosSin);

} // namespace fabulist::inference
