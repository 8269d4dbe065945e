// Workgroup reductions. With subgroup arithmetic each subgroup reduces in registers and one
// value per subgroup goes through shared memory; built with FABULIST_REDUCE_SHARED (devices
// without subgroup arithmetic) it is a plain shared-memory tree. Both work for any subgroup size
// (8 on lavapipe, 32 NVIDIA, 64 AMD) because they use gl_NumSubgroups/gl_SubgroupID, never a
// fixed width. WG (spec constant 0) must be a power of two. Every invocation must call these.
#ifndef FABULIST_REDUCE_SHARED
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared float reduceScratch[WG];

float reduceSum(float v) {
#ifdef FABULIST_REDUCE_SHARED
    reduceScratch[gl_LocalInvocationID.x] = v;
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1) {
        if (gl_LocalInvocationID.x < s)
            reduceScratch[gl_LocalInvocationID.x] += reduceScratch[gl_LocalInvocationID.x + s];
        barrier();
    }
    float r = reduceScratch[0];
    barrier();
    return r;
#else
    float p = subgroupAdd(v);
    if (subgroupElect()) reduceScratch[gl_SubgroupID] = p;
    barrier();
    float r = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; ++i) r += reduceScratch[i];
    barrier();
    return r;
#endif
}

float reduceMax(float v) {
#ifdef FABULIST_REDUCE_SHARED
    reduceScratch[gl_LocalInvocationID.x] = v;
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1) {
        if (gl_LocalInvocationID.x < s)
            reduceScratch[gl_LocalInvocationID.x] =
                max(reduceScratch[gl_LocalInvocationID.x], reduceScratch[gl_LocalInvocationID.x + s]);
        barrier();
    }
    float r = reduceScratch[0];
    barrier();
    return r;
#else
    float p = subgroupMax(v);
    if (subgroupElect()) reduceScratch[gl_SubgroupID] = p;
    barrier();
    float r = reduceScratch[0];
    for (uint i = 1; i < gl_NumSubgroups; ++i) r = max(r, reduceScratch[i]);
    barrier();
    return r;
#endif
}
