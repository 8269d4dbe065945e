#include "inference/backend/vulkan/vulkan_ops.h"

#include "inference/backend/cpu/vector_ops.h"
#include "inference/backend/rope_angles.h"
#include "inference/quant/quant_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>

namespace fabulist::inference::vulkan {

namespace {

constexpr uint32_t kMaxSets = 1024;        // dispatches per submission
constexpr uint64_t kRopeFloats = 1u << 18; // RoPE table floats per submission
constexpr uint32_t kDynamicSlots = 4096;   // positions per submission
constexpr size_t kMaxRecordings = 16;      // command buffers kept for reuse
constexpr uint32_t kMatmulWg = 64;
constexpr uint32_t kMatmulTokens = 4; // TOKENS in matmul_common.glsl
constexpr uint32_t kReduceWg = 128;
constexpr uint32_t kElementWg = 256;

const char* matmulShader(GgmlType type) {
    switch (type) {
    case GgmlType::F32:
        return "matmul_f32";
    case GgmlType::F16:
        return "matmul_f16";
    case GgmlType::Q8_0:
        return "matmul_q8_0";
    case GgmlType::BF16:
        return "matmul_bf16";
    case GgmlType::Q4_0:
        return "matmul_q4_0";
    case GgmlType::Q4_1:
        return "matmul_q4_1";
    case GgmlType::Q5_0:
        return "matmul_q5_0";
    case GgmlType::Q5_1:
        return "matmul_q5_1";
    case GgmlType::Q4_K:
        return "matmul_q4_k";
    case GgmlType::Q5_K:
        return "matmul_q5_k";
    case GgmlType::Q6_K:
        return "matmul_q6_k";
    case GgmlType::Q2_K:
        return "matmul_q2_k";
    case GgmlType::Q3_K:
        return "matmul_q3_k";
    case GgmlType::IQ4_NL:
        return "matmul_iq4_nl";
    case GgmlType::IQ4_XS:
        return "matmul_iq4_xs";
    case GgmlType::MXFP4:
        return "matmul_mxfp4";
    default:
        return nullptr;
    }
}

uint32_t u32(int64_t v) {
    return static_cast<uint32_t>(v);
}

// The cache element type as store_kv and attention take it.
uint32_t kvTypeCode(GgmlType type) {
    return type == GgmlType::Q8_0 ? 2u : type == GgmlType::F16 ? 1u : 0u;
}

} // namespace

VulkanOps::VulkanOps(VulkanDevice& device, VulkanPipelines& pipelines, bool profile)
    : m_device(device), m_pipelines(pipelines) {
    if (profile) m_profiler = std::make_unique<VulkanProfiler>(device);
    VkDevice dev = device.device();
    VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pci.queueFamilyIndex = device.queueFamily();
    vkCheck(vkCreateCommandPool(dev, &pci, nullptr, &m_pool), "vkCreateCommandPool");
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    vkCheck(vkCreateFence(dev, &fci, nullptr, &m_fence), "vkCreateFence");
    m_ropeTable = std::make_unique<VulkanBuffer>(device, kRopeFloats * sizeof(float),
                                                 VulkanBuffer::Kind::HostVisible);
    m_dynamic = std::make_unique<VulkanBuffer>(device, kDynamicSlots * sizeof(uint32_t),
                                               VulkanBuffer::Kind::HostVisible);
    m_dummy = std::make_unique<VulkanBuffer>(device, 16, VulkanBuffer::Kind::DeviceLocal);
    m_commands.reserve(kMaxSets * 2);
}

VulkanOps::~VulkanOps() {
    VkDevice dev = m_device.device();
    vkDeviceWaitIdle(dev);
    m_profiler.reset();
    vkDestroyFence(dev, m_fence, nullptr);
    for (Recording& r : m_recordings)
        if (r.descriptors) vkDestroyDescriptorPool(dev, r.descriptors, nullptr);
    vkDestroyCommandPool(dev, m_pool, nullptr); // frees the command buffers
}

bool VulkanOps::supportsWeightType(GgmlType type) {
    return matmulShader(type) != nullptr;
}

VulkanWeight VulkanOps::uploadWeight(GgmlType type, int64_t nIn, int64_t nOut, const void* bytes) {
    if (!supportsWeightType(type))
        throw VulkanError(std::string("Vulkan: no shader for weight type ") +
                          std::string(ggmlTypeTraits(type).name) + " yet; use --device cpu");
    VulkanWeight w;
    w.type = type;
    w.nIn = nIn;
    w.nOut = nOut;
    w.rowBytes = ggmlRowBytes(type, nIn);
    if (w.rowBytes + m_device.storageAlignment() > m_device.maxStorageRange())
        throw VulkanError("Vulkan: one weight row is larger than a storage binding");
    const uint64_t total = w.rowBytes * uint64_t(nOut);
    w.buffer = std::make_unique<VulkanBuffer>(m_device, total, VulkanBuffer::Kind::DeviceLocal);
    w.buffer->upload(0, bytes, total);
    return w;
}

VulkanOps::Binding VulkanOps::window(const VulkanBuffer& buffer, uint64_t byteOffset,
                                     uint64_t span) const {
    if (byteOffset + span > buffer.size())
        throw VulkanError("Vulkan: an op addresses " + std::to_string(byteOffset + span) +
                          " bytes of a " + std::to_string(buffer.size()) + "-byte buffer");
    const uint64_t align = m_device.storageAlignment();
    const uint64_t start = byteOffset / align * align;
    uint64_t range = (byteOffset - start + span + 3) & ~uint64_t(3);
    range = std::min(range, buffer.size() - start);
    if (range > m_device.maxStorageRange())
        throw VulkanError("Vulkan: a tensor of " + std::to_string(span >> 20) +
                          " MiB exceeds the device's storage binding range");
    return Binding{{buffer.handle(), start, range}, u32(byteOffset - start), buffer.serial()};
}

void VulkanOps::ensureRecording() {
    if (m_recording) return;
    m_recording = true;
    if (m_profiler) m_profiler->start();
}

VulkanOps::OpScope::OpScope(VulkanOps& ops, OpKind kind, GgmlType type) : m_ops(ops) {
    if (!ops.m_profiler) return;
    if (ops.m_profiler->full()) ops.flush();
    ops.m_opOpen = true;
    ops.m_openKind = kind;
    ops.m_openType = type;
}

VulkanOps::OpScope::~OpScope() {
    if (!m_ops.m_profiler) return;
    if (m_ops.m_recording) {
        Command c;
        c.type = Command::Type::Stamp;
        c.query = m_ops.m_profiler->note(m_ops.m_openKind, m_ops.m_openType, true);
        m_ops.m_commands.push_back(c);
    }
    m_ops.m_opOpen = false;
}

bool VulkanOps::Command::operator==(const Command& o) const {
    auto same = [](const Binding& a, const Binding& b) {
        return a.serial == b.serial && a.info.offset == b.info.offset &&
               a.info.range == b.info.range;
    };
    if (type != o.type) return false;
    switch (type) {
    case Type::Stamp:
        return query == o.query;
    case Type::Copy:
        return same(src, o.src) && same(dst, o.dst);
    case Type::Dispatch:
        if (pipeline != o.pipeline || nBindings != o.nBindings || pushWords != o.pushWords ||
            groupsX != o.groupsX || groupsY != o.groupsY)
            return false;
        for (uint32_t i = 0; i < nBindings; ++i)
            if (!same(bindings[i], o.bindings[i])) return false;
        return std::equal(push, push + pushWords, o.push);
    }
    return false;
}

void VulkanOps::dispatch(const VulkanPipeline& p, const Binding* bindings, const void* push,
                         uint32_t pushBytes, uint32_t groupsX, uint32_t groupsY) {
    if (m_setsUsed == kMaxSets) flush();
    if (p.bindings > std::size(Command{}.bindings) || pushBytes % 4 ||
        pushBytes > VulkanPipelines::kPushBytes)
        throw VulkanError("Vulkan: an op's bindings or push constants exceed the command layout");
    ensureRecording();
    Command c;
    c.type = Command::Type::Dispatch;
    c.pipeline = &p;
    c.nBindings = p.bindings;
    std::copy(bindings, bindings + p.bindings, c.bindings);
    c.pushWords = pushBytes / 4;
    std::memcpy(c.push, push, pushBytes);
    c.groupsX = groupsX;
    c.groupsY = groupsY;
    m_commands.push_back(c);
    ++m_setsUsed;
}

void VulkanOps::barrier(VkCommandBuffer cmd) {
    // The next op (a dispatch or a copy) may read what this one wrote, and write what it read.
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT |
                      VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT;
    b.dstAccessMask = b.srcAccessMask;
    const VkPipelineStageFlags stages =
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vkCmdPipelineBarrier(cmd, stages, stages, 0, 1, &b, 0, nullptr, 0, nullptr);
}

void VulkanOps::copy(const VulkanBuffer& src, uint64_t srcOffset, const VulkanBuffer& dst,
                     uint64_t dstOffset, uint64_t bytes) {
    if (bytes == 0) return;
    const OpScope op(*this, OpKind::Copy);
    ensureRecording();
    Command c;
    c.type = Command::Type::Copy;
    c.src = Binding{{src.handle(), srcOffset, bytes}, 0, src.serial()};
    c.dst = Binding{{dst.handle(), dstOffset, bytes}, 0, dst.serial()};
    m_commands.push_back(c);
}

VulkanOps::Binding VulkanOps::dynamicBinding(uint32_t value) {
    if (m_dynamicUsed == kDynamicSlots) flush();
    static_cast<uint32_t*>(m_dynamic->mapped())[m_dynamicUsed] = value;
    return window(*m_dynamic, uint64_t(m_dynamicUsed++) * sizeof(uint32_t), sizeof(uint32_t));
}

void VulkanOps::dispatchLinear(const VulkanPipeline& p, const Binding* bindings, const void* push,
                               uint32_t pushBytes, uint64_t groups) {
    if (groups == 0) return;
    const uint64_t x = std::min<uint64_t>(groups, m_device.maxWorkgroupCountX());
    dispatch(p, bindings, push, pushBytes, u32(x), u32((groups + x - 1) / x));
}

VulkanOps::Recording& VulkanOps::recordingFor() {
    // FNV-1a over what distinguishes commands; equality is checked in full on a hash match.
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
    for (const Command& c : m_commands) {
        mix(uint64_t(c.type));
        mix(reinterpret_cast<uintptr_t>(c.pipeline));
        mix(c.groupsX | uint64_t(c.groupsY) << 32);
        for (uint32_t i = 0; i < c.nBindings; ++i)
            mix(c.bindings[i].serial ^ c.bindings[i].info.offset);
        for (uint32_t i = 0; i < c.pushWords; ++i) mix(c.push[i]);
        mix(c.src.serial ^ c.src.info.offset ^ (c.dst.info.offset << 20) ^ c.query);
    }
    const uint64_t clock = ++m_clock;
    for (Recording& r : m_recordings)
        if (r.hash == h && r.commands == m_commands) {
            r.lastUse = clock;
            return r;
        }
    Recording* r = nullptr;
    if (m_recordings.size() < kMaxRecordings) {
        m_recordings.emplace_back();
        r = &m_recordings.back();
        VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
        ai.commandPool = m_pool;
        ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
        ai.commandBufferCount = 1;
        vkCheck(vkAllocateCommandBuffers(m_device.device(), &ai, &r->cmd),
                "vkAllocateCommandBuffers");
    } else {
        r = &*std::min_element(
            m_recordings.begin(), m_recordings.end(),
            [](const Recording& a, const Recording& b) { return a.lastUse < b.lastUse; });
    }
    r->hash = h;
    r->lastUse = clock;
    r->commands = m_commands;
    record(*r);
    return *r;
}

void VulkanOps::record(Recording& r) {
    VkDevice dev = m_device.device();
    ++m_recorded;
    vkCheck(vkResetCommandBuffer(r.cmd, 0), "vkResetCommandBuffer");
    uint32_t sets = 0;
    for (const Command& c : r.commands) sets += c.type == Command::Type::Dispatch;
    if (r.descriptors && r.poolSets < sets) {
        vkDestroyDescriptorPool(dev, r.descriptors, nullptr);
        r.descriptors = VK_NULL_HANDLE;
    }
    if (!r.descriptors) {
        r.poolSets = std::max(sets, 64u);
        VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                  r.poolSets * uint32_t(std::size(Command{}.bindings))};
        VkDescriptorPoolCreateInfo dpi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
        dpi.maxSets = r.poolSets;
        dpi.poolSizeCount = 1;
        dpi.pPoolSizes = &size;
        vkCheck(vkCreateDescriptorPool(dev, &dpi, nullptr, &r.descriptors),
                "vkCreateDescriptorPool");
    } else {
        vkResetDescriptorPool(dev, r.descriptors, 0);
    }
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkCheck(vkBeginCommandBuffer(r.cmd, &bi), "vkBeginCommandBuffer");
    if (m_profiler) m_profiler->recordStart(r.cmd);
    for (const Command& c : r.commands) {
        if (c.type == Command::Type::Stamp) {
            m_profiler->recordStamp(r.cmd, c.query);
            continue;
        }
        if (c.type == Command::Type::Copy) {
            VkBufferCopy region{c.src.info.offset, c.dst.info.offset, c.src.info.range};
            vkCmdCopyBuffer(r.cmd, c.src.info.buffer, c.dst.info.buffer, 1, &region);
            barrier(r.cmd);
            continue;
        }
        const VulkanPipeline& p = *c.pipeline;
        VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
        ai.descriptorPool = r.descriptors;
        ai.descriptorSetCount = 1;
        ai.pSetLayouts = &p.setLayout;
        VkDescriptorSet set;
        vkCheck(vkAllocateDescriptorSets(dev, &ai, &set), "vkAllocateDescriptorSets");
        VkWriteDescriptorSet writes[std::size(Command{}.bindings)];
        for (uint32_t i = 0; i < c.nBindings; ++i) {
            writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
            writes[i].dstSet = set;
            writes[i].dstBinding = i;
            writes[i].descriptorCount = 1;
            writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
            writes[i].pBufferInfo = &c.bindings[i].info;
        }
        vkUpdateDescriptorSets(dev, c.nBindings, writes, 0, nullptr);
        vkCmdBindPipeline(r.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
        vkCmdBindDescriptorSets(r.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0, 1, &set, 0,
                                nullptr);
        vkCmdPushConstants(r.cmd, p.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, c.pushWords * 4,
                           c.push);
        vkCmdDispatch(r.cmd, c.groupsX, c.groupsY, 1);
        barrier(r.cmd);
    }
    vkCheck(vkEndCommandBuffer(r.cmd), "vkEndCommandBuffer");
}

void VulkanOps::flush() {
    if (!m_recording) return;
    // An op cut by this submission: its part so far is timed now, the rest in the next one.
    if (m_profiler && m_opOpen) {
        Command c;
        c.type = Command::Type::Stamp;
        c.query = m_profiler->note(m_openKind, m_openType, false);
        m_commands.push_back(c);
    }
    m_recording = false;
    VkResult r = VK_SUCCESS;
    try {
        const Recording& rec = recordingFor();
        VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
        si.commandBufferCount = 1;
        si.pCommandBuffers = &rec.cmd;
        r = vkQueueSubmit(m_device.queue(), 1, &si, m_fence);
        ++m_submissions;
        if (r == VK_SUCCESS)
            r = vkWaitForFences(m_device.device(), 1, &m_fence, VK_TRUE, UINT64_MAX);
        vkResetFences(m_device.device(), 1, &m_fence);
    } catch (...) {
        m_commands.clear();
        m_setsUsed = 0;
        m_ropeUsed = 0;
        m_dynamicUsed = 0;
        throw;
    }
    m_commands.clear();
    m_setsUsed = 0;
    m_ropeUsed = 0;
    m_dynamicUsed = 0;
    vkCheck(r, "running compute work");
    if (m_profiler) m_profiler->collect();
}

void VulkanOps::matmul(const VulkanWeight& w, DeviceF32 x, int rows, int xStride, DeviceF32 y,
                       int yStride) {
    matmulRows(w, 0, w.nOut, x, rows, xStride, y, yStride);
}

void VulkanOps::matmulRows(const VulkanWeight& w, int64_t firstRow, int64_t nRows, DeviceF32 x,
                           int rows, int xStride, DeviceF32 y, int yStride) {
    if (rows <= 0 || nRows <= 0) return;
    const OpScope op(*this, OpKind::Matmul, w.type);
    const VulkanPipeline& p = m_pipelines.get(matmulShader(w.type), 3, kMatmulWg);
    const Binding bx = window(*x.buffer, x.offset,
                              (uint64_t(rows - 1) * xStride + uint64_t(w.nIn)) * sizeof(float));
    // Rows per dispatch: the weight window (plus alignment slack) fits one binding and the row
    // count fits the workgroup grid.
    const uint64_t fit = (m_device.maxStorageRange() - m_device.storageAlignment()) / w.rowBytes;
    const int64_t chunk = std::max<int64_t>(
        1, std::min<int64_t>({int64_t(fit), m_device.maxWorkgroupCountX(), w.nOut}));
    const uint32_t groupsY = u32((uint64_t(rows) + kMatmulTokens - 1) / kMatmulTokens);
    for (int64_t r0 = 0; r0 < nRows; r0 += chunk) {
        const int64_t n = std::min(chunk, nRows - r0);
        const Binding bw =
            window(*w.buffer, uint64_t(firstRow + r0) * w.rowBytes, uint64_t(n) * w.rowBytes);
        const Binding by = window(*y.buffer, y.offset + uint64_t(r0) * sizeof(float),
                                  (uint64_t(rows - 1) * yStride + uint64_t(n)) * sizeof(float));
        const Binding b[3] = {bw, bx, by};
        const uint32_t push[9] = {
            u32(w.nIn),        u32(n),       u32(rows),         bw.elemOffset, u32(w.rowBytes),
            bx.elemOffset / 4, u32(xStride), by.elemOffset / 4, u32(yStride)};
        dispatch(p, b, push, sizeof(push), u32(n), groupsY);
    }
}

bool VulkanOps::roundActivations(GgmlType weightType, DeviceF32 x, int rows, int cols, int xStride,
                                 DeviceF32 y, int yStride) {
    uint32_t mode = 0, block = 32;
    switch (vecDotTypeOf(weightType)) {
    case GgmlType::F16:
        mode = 0;
        break;
    case GgmlType::Q8_0:
    case GgmlType::Q8_1:
        mode = 1;
        break;
    case GgmlType::Q8_K:
        mode = 2;
        block = 256;
        break;
    default:
        return false;
    }
    if (rows <= 0) return true;
    const OpScope op(*this, OpKind::ActRound, vecDotTypeOf(weightType));
    const VulkanPipeline& p = m_pipelines.get("act_round", 2, kMatmulWg);
    const Binding b[2] = {
        window(*x.buffer, x.offset, (uint64_t(rows - 1) * xStride + cols) * sizeof(float)),
        window(*y.buffer, y.offset, (uint64_t(rows - 1) * yStride + cols) * sizeof(float))};
    const uint32_t push[7] = {u32(rows),    u32(cols),           b[0].elemOffset / 4,
                              u32(xStride), b[1].elemOffset / 4, u32(yStride),
                              mode};
    const uint64_t items = uint64_t(rows) * ((uint64_t(cols) + block - 1) / block);
    dispatchLinear(p, b, push, sizeof(push), (items + kMatmulWg - 1) / kMatmulWg);
    return true;
}

void VulkanOps::rmsNorm(DeviceF32 x, const DeviceF32* weight, DeviceF32 y, int rows, int cols,
                        int group, float eps) {
    const OpScope op(*this, OpKind::RmsNorm);
    const VulkanPipeline& p = m_pipelines.get("rms_norm", 3, kReduceWg);
    const uint64_t span = uint64_t(rows) * cols * sizeof(float);
    const Binding bx = window(*x.buffer, x.offset, span);
    const Binding by = window(*y.buffer, y.offset, span);
    const Binding bw = weight ? window(*weight->buffer, weight->offset, group * sizeof(float))
                              : window(*m_dummy, 0, 4);
    const Binding b[3] = {bx, bw, by};
    const uint64_t groups = uint64_t(rows) * (cols / group);
    struct {
        uint32_t groups, cols, group, xOffset, yOffset, wOffset, hasWeight;
        float eps;
    } push{u32(groups),       u32(cols),         u32(group),       bx.elemOffset / 4,
           by.elemOffset / 4, bw.elemOffset / 4, weight ? 1u : 0u, eps};
    dispatchLinear(p, b, &push, sizeof(push), groups);
}

void VulkanOps::rope(DeviceF32 x, int rows, int cols, const RopeParams& params, int pos0) {
    const OpScope op(*this, OpKind::Rope);
    const int half = params.nRot / 2;
    const uint64_t need = uint64_t(rows) * half * 2;
    if (need > kRopeFloats) throw VulkanError("Vulkan: RoPE batch too large for its table");
    if (m_ropeUsed + need > kRopeFloats) flush();
    // Angles exactly as the CPU backend computes them (ropeAngles: float products, libm cos/sin,
    // YaRN's ramp and scale).
    float* table = static_cast<float*>(m_ropeTable->mapped()) + m_ropeUsed;
    for (int r = 0; r < rows; ++r) ropeAngles(params, pos0 + r, table + size_t(r) * half * 2);
    const VulkanPipeline& p = m_pipelines.get("rope", 2, kElementWg);
    const Binding bx = window(*x.buffer, x.offset, uint64_t(rows) * cols * sizeof(float));
    const Binding bt = window(*m_ropeTable, m_ropeUsed * sizeof(float), need * sizeof(float));
    m_ropeUsed += need;
    const Binding b[2] = {bx, bt};
    const uint32_t push[9] = {u32(rows),           u32(cols),        u32(params.nHead),
                              u32(params.headDim), u32(params.nRot), params.neox ? 1u : 0u,
                              bx.elemOffset / 4,   bt.elemOffset / 4, u32(params.offset)};
    const uint64_t items = uint64_t(rows) * params.nHead * half;
    dispatchLinear(p, b, push, sizeof(push), (items + kElementWg - 1) / kElementWg);
}

void VulkanOps::swiglu(DeviceF32 g, DeviceF32 u, DeviceF32 y, int64_t n,
                       FfnActivation activation) {
    const bool gelu = activation == FfnActivation::GeluFp16;
    if (gelu && !m_geluTable) uploadGeluTable(); // before the op's scope: it submits
    const OpScope op(*this, OpKind::Swiglu);
    const VulkanPipeline& p = m_pipelines.get("swiglu", 4, kElementWg);
    const uint64_t span = uint64_t(n) * sizeof(float);
    const Binding b[4] = {window(*g.buffer, g.offset, span), window(*u.buffer, u.offset, span),
                          window(*y.buffer, y.offset, span),
                          gelu ? window(*m_geluTable, 0, m_geluTable->size())
                               : window(*m_dummy, 0, 4)};
    const uint32_t mode = gelu ? 1u : activation == FfnActivation::SwigluOai ? 2u : 0u;
    const uint32_t push[5] = {u32(n), b[0].elemOffset / 4, b[1].elemOffset / 4,
                              b[2].elemOffset / 4, mode};
    dispatchLinear(p, b, push, sizeof(push), (uint64_t(n) + kElementWg - 1) / kElementWg);
}

void VulkanOps::uploadGeluTable() {
    // ggml's fp16 GELU table, the CPU backend's own copy: 64 Ki halves, uploaded once.
    const std::vector<uint16_t>& table = vec::geluTable();
    const uint64_t bytes = table.size() * sizeof(uint16_t);
    VulkanBuffer staging(m_device, bytes, VulkanBuffer::Kind::HostVisible);
    std::memcpy(staging.mapped(), table.data(), bytes);
    m_geluTable = std::make_unique<VulkanBuffer>(m_device, bytes, VulkanBuffer::Kind::DeviceLocal);
    copy(staging, 0, *m_geluTable, 0, bytes);
    flush();
}

void VulkanOps::softmax(DeviceF32 x, int rows, int cols) {
    const OpScope op(*this, OpKind::Softmax);
    const VulkanPipeline& p = m_pipelines.get("softmax", 1, kReduceWg);
    const Binding b[1] = {window(*x.buffer, x.offset, uint64_t(rows) * cols * sizeof(float))};
    const uint32_t push[3] = {u32(rows), u32(cols), b[0].elemOffset / 4};
    dispatchLinear(p, b, push, sizeof(push), uint64_t(rows));
}

void VulkanOps::add(DeviceF32 x, DeviceF32 y, int64_t n) {
    const OpScope op(*this, OpKind::Add);
    const VulkanPipeline& p = m_pipelines.get("add", 2, kElementWg);
    const uint64_t span = uint64_t(n) * sizeof(float);
    const Binding b[2] = {window(*x.buffer, x.offset, span), window(*y.buffer, y.offset, span)};
    const uint32_t push[3] = {u32(n), b[0].elemOffset / 4, b[1].elemOffset / 4};
    dispatchLinear(p, b, push, sizeof(push), (uint64_t(n) + kElementWg - 1) / kElementWg);
}

void VulkanOps::scale(DeviceF32 x, float s, int64_t n) {
    const OpScope op(*this, OpKind::Scale);
    const VulkanPipeline& p = m_pipelines.get("scale", 1, kElementWg);
    const Binding b[1] = {window(*x.buffer, x.offset, uint64_t(n) * sizeof(float))};
    uint32_t push[3] = {u32(n), b[0].elemOffset / 4, 0};
    std::memcpy(&push[2], &s, sizeof(float));
    dispatchLinear(p, b, push, sizeof(push), (uint64_t(n) + kElementWg - 1) / kElementWg);
}

void VulkanOps::storeKv(DeviceF32 x, int rows, int xStride, int kvDim, const VulkanBuffer& cache,
                        uint64_t cacheByteOffset, int pos0, GgmlType kvType, int kept,
                        uint64_t scaleByteOffset) {
    const OpScope op(*this, OpKind::StoreKv);
    const VulkanPipeline& p = m_pipelines.get("store_kv", 3, kElementWg);
    const bool q8 = kvType == GgmlType::Q8_0;
    const uint64_t esize = q8 ? 1 : kvType == GgmlType::F16 ? 2 : 4;
    const Binding bx =
        window(*x.buffer, x.offset, (uint64_t(rows - 1) * xStride + kvDim) * sizeof(float));
    // The whole layer when it fits one binding, with the position read from m_dynamic: then the
    // command is the same at every position (reusable); else a window from pos0.
    const uint64_t layer = cache.size() - cacheByteOffset;
    const bool whole = layer + m_device.storageAlignment() <= m_device.maxStorageRange();
    if ((kept > 0 || q8) && !whole)
        throw VulkanError("Vulkan: a " + std::string(q8 ? "Q8_0" : "sliding-window") +
                          " cache layer exceeds one storage binding; use --kv-type f16 or a "
                          "shorter context");
    const Binding bc = whole ? window(cache, cacheByteOffset, layer)
                             : window(cache, cacheByteOffset + uint64_t(pos0) * kvDim * esize,
                                      uint64_t(rows) * kvDim * esize);
    const Binding bd = dynamicBinding(whole ? u32(pos0) : 0u);
    const Binding b[3] = {bx, bc, bd};
    const uint32_t push[9] = {u32(rows),
                              u32(kvDim),
                              bx.elemOffset / 4,
                              u32(xStride),
                              bc.elemOffset / 4,
                              kvTypeCode(kvType),
                              bd.elemOffset / 4,
                              u32(kept),
                              u32((bc.elemOffset + scaleByteOffset) / 4)};
    const uint64_t items = uint64_t(rows) * (q8 ? kvDim / 32 : kvDim / 2);
    dispatchLinear(p, b, push, sizeof(push), (items + kElementWg - 1) / kElementWg);
}

void VulkanOps::attention(DeviceF32 q, int qStride, const VulkanBuffer& kLayer,
                          const VulkanBuffer& vLayer, DeviceF32 scores, DeviceF32 out,
                          int outStride, const AttentionShape& s) {
    const OpScope op(*this, OpKind::Attention);
    if (s.headDimK > 1024) throw VulkanError("Vulkan: attention head size above 1024");
    const VulkanPipeline& p = m_pipelines.get("attention", 7, kMatmulWg);
    const bool q8 = s.kvType == GgmlType::Q8_0;
    const uint64_t esize = q8 ? 1 : s.kvType == GgmlType::F16 ? 2 : 4;
    const int ctx = s.pos0 + s.rows;
    const int kvDimK = s.nHeadKv * s.headDimK,
              kvDimV = s.kvStrideV > 0 ? s.kvStrideV : s.nHeadKv * s.headDimV;
    const Binding bq =
        window(*q.buffer, q.offset, (uint64_t(s.rows - 1) * qStride + s.nHead * s.headDimK) * 4);
    // Whole layers when they fit a binding (the command then does not depend on the position,
    // which comes from m_dynamic); else the positions in use.
    auto layer = [&](const VulkanBuffer& c, uint64_t used) {
        return c.size() + m_device.storageAlignment() <= m_device.maxStorageRange() || s.kept > 0 ||
                       q8 // storeKv refused a Q8_0 layer larger than one binding
                   ? window(c, 0, c.size())
                   : window(c, 0, used);
    };
    const Binding bk = layer(kLayer, uint64_t(ctx) * kvDimK * esize);
    const Binding bv = layer(vLayer, uint64_t(ctx) * kvDimV * esize);
    const Binding bs = s.streamed ? window(*m_dummy, 0, 4)
                                  : window(*scores.buffer, scores.offset,
                                           uint64_t(s.rows) * s.nHead * s.maxCtx * 4);
    const Binding bo = window(*out.buffer, out.offset,
                              (uint64_t(s.rows - 1) * outStride + s.nHead * s.headDimV) * 4);
    const Binding bd = dynamicBinding(u32(s.pos0));
    const Binding bsink = s.sinks ? window(*s.sinks, 0, uint64_t(s.nHead) * 4) : window(*m_dummy, 0, 4);
    const Binding b[7] = {bq, bk, bv, bs, bo, bd, bsink};
    struct {
        uint32_t rows, nHead, group, headDimK, headDimV, kvDimK, kvDimV;
        uint32_t qOffset, qStride, oOffset, oStride, kOffset, vOffset;
        uint32_t posSlot, window, maxCtx, kvType;
        float scale;
        uint32_t sinkOffset, hasSinks, kept, kScaleOffset, vScaleOffset, streamed;
    } push{u32(s.rows),
           u32(s.nHead),
           u32(s.nHead / s.nHeadKv),
           u32(s.headDimK),
           u32(s.headDimV),
           u32(kvDimK),
           u32(kvDimV),
           bq.elemOffset / 4,
           u32(qStride),
           bo.elemOffset / 4,
           u32(outStride),
           u32(bk.elemOffset / esize),
           u32(bv.elemOffset / esize),
           bd.elemOffset / 4,
           u32(s.window),
           u32(s.maxCtx),
           kvTypeCode(s.kvType),
           s.scale,
           bsink.elemOffset / 4,
           s.sinks ? 1u : 0u,
           u32(s.kept),
           u32((bk.elemOffset + s.kScaleByteOffset) / 4),
           u32((bv.elemOffset + s.vScaleByteOffset) / 4),
           s.streamed ? 1u : 0u};
    dispatchLinear(p, b, &push, sizeof(push), uint64_t(s.rows) * s.nHead);
}

void VulkanOps::moeTopK(DeviceF32 logits, int rows, int stride, const MoeParams& params,
                        const VulkanBuffer* selectionBias, const VulkanBuffer& route) {
    const OpScope op(*this, OpKind::MoeTopK);
    const int nExpert = params.nExpert, nUsed = params.nUsed;
    if (nExpert > 128) throw VulkanError("Vulkan: MoE routing supports up to 128 experts");
    const VulkanPipeline& p = m_pipelines.get("moe_topk", 3, kMatmulWg);
    const Binding bl = window(*logits.buffer, logits.offset,
                              (uint64_t(rows - 1) * stride + nExpert) * sizeof(float));
    const Binding br = window(route, 0, uint64_t(rows) * nUsed * 8);
    const Binding bb = selectionBias ? window(*selectionBias, 0, uint64_t(nExpert) * 4)
                                     : window(*m_dummy, 0, 4);
    const Binding b[3] = {bl, br, bb};
    const uint32_t gating = params.gating == MoeGating::Sigmoid           ? 1u
                            : params.gating == MoeGating::SoftmaxOfChosen ? 2u
                                                                          : 0u;
    struct {
        uint32_t rows, nExpert, nUsed, lOffset, lStride, normalize, rOffset;
        uint32_t gating, hasBias, bOffset;
        float scale;
    } push{u32(rows),      u32(nExpert),       u32(nUsed),
           bl.elemOffset / 4, u32(stride),      params.normalizeWeights ? 1u : 0u,
           br.elemOffset / 4, gating,           selectionBias ? 1u : 0u,
           bb.elemOffset / 4, params.weightsScale};
    dispatchLinear(p, b, &push, sizeof(push), (uint64_t(rows) + kMatmulWg - 1) / kMatmulWg);
}

void VulkanOps::copyRows(DeviceF32 x, int xStride, DeviceF32 y, int yStride, int rows,
                         int cols) {
    if (rows <= 0 || cols <= 0) return;
    const OpScope op(*this, OpKind::Copy);
    const VulkanPipeline& p = m_pipelines.get("copy_rows", 2, kElementWg);
    const Binding b[2] = {
        window(*x.buffer, x.offset, (uint64_t(rows - 1) * xStride + cols) * sizeof(float)),
        window(*y.buffer, y.offset, (uint64_t(rows - 1) * yStride + cols) * sizeof(float))};
    const uint32_t push[6] = {u32(rows),    u32(cols),           b[0].elemOffset / 4,
                              u32(xStride), b[1].elemOffset / 4, u32(yStride)};
    dispatchLinear(p, b, push, sizeof(push), (uint64_t(rows) * cols + kElementWg - 1) / kElementWg);
}

void VulkanOps::moeBias(DeviceF32 y, int yStride, int n, const VulkanBuffer& bias,
                        const VulkanBuffer& route, int nSlots) {
    if (nSlots <= 0) return;
    const OpScope op(*this, OpKind::Add);
    const VulkanPipeline& p = m_pipelines.get("moe_bias", 3, kElementWg);
    const Binding b[3] = {
        window(*y.buffer, y.offset, (uint64_t(nSlots - 1) * yStride + n) * sizeof(float)),
        window(bias, 0, bias.size()), window(route, 0, uint64_t(nSlots) * 8)};
    const uint32_t push[6] = {u32(nSlots),         u32(n),          b[0].elemOffset / 4,
                              u32(yStride),        b[1].elemOffset / 4, b[2].elemOffset / 4};
    dispatchLinear(p, b, push, sizeof(push),
                   (uint64_t(nSlots) * n + kElementWg - 1) / kElementWg);
}

void VulkanOps::moeMatmul(const VulkanWeight& w, int64_t nExpert, DeviceF32 x, int xStride,
                          int slotDiv, const VulkanBuffer& route, int nSlots, DeviceF32 y,
                          int yStride) {
    if (nSlots <= 0) return;
    if (nExpert <= 0 || w.nOut % nExpert)
        throw VulkanError("Vulkan: an expert stack's rows do not divide into its expert count");
    const OpScope op(*this, OpKind::MoeMatmul, w.type);
    const VulkanPipeline& p =
        m_pipelines.get(std::string(matmulShader(w.type)) + ".moe", 4, kMatmulWg);
    const int64_t nOut = w.nOut / nExpert;
    const uint64_t expertBytes = uint64_t(nOut) * w.rowBytes;
    const uint64_t room = m_device.maxStorageRange() - m_device.storageAlignment();
    // Whole experts per dispatch when one fits a binding; else one expert in row chunks.
    const int64_t expertsPer = std::min<int64_t>(nExpert, int64_t(room / expertBytes));
    const int64_t rowsPer = expertsPer > 0 ? nOut
                                           : std::min<int64_t>(int64_t(room / w.rowBytes),
                                                               m_device.maxWorkgroupCountX());
    if (rowsPer > m_device.maxWorkgroupCountX())
        throw VulkanError("Vulkan: an expert has more rows than one dispatch can cover");
    const int64_t eStep = std::max<int64_t>(1, expertsPer);
    const Binding bx =
        window(*x.buffer, x.offset,
               (uint64_t((nSlots - 1) / slotDiv) * xStride + uint64_t(w.nIn)) * sizeof(float));
    const Binding br = window(route, 0, uint64_t(nSlots) * 8);
    constexpr int kSlotsPer = 65535; // the minimum maxComputeWorkGroupCount[1]
    for (int64_t e0 = 0; e0 < nExpert; e0 += eStep) {
        const int64_t ne = std::min(eStep, nExpert - e0);
        for (int64_t r0 = 0; r0 < nOut; r0 += rowsPer) {
            const int64_t n = std::min(rowsPer, nOut - r0);
            const uint64_t first = uint64_t(e0) * expertBytes + uint64_t(r0) * w.rowBytes;
            const Binding bw =
                window(*w.buffer, first, uint64_t(ne - 1) * expertBytes + uint64_t(n) * w.rowBytes);
            const Binding by =
                window(*y.buffer, y.offset + uint64_t(r0) * sizeof(float),
                       (uint64_t(nSlots - 1) * yStride + uint64_t(n)) * sizeof(float));
            const Binding b[4] = {bw, bx, by, br};
            for (int s0 = 0; s0 < nSlots; s0 += kSlotsPer) {
                const uint32_t push[15] = {u32(w.nIn),      u32(n),
                                           u32(nSlots),     bw.elemOffset,
                                           u32(w.rowBytes), bx.elemOffset / 4,
                                           u32(xStride),    by.elemOffset / 4,
                                           u32(yStride),    br.elemOffset / 4,
                                           u32(slotDiv),    u32(e0),
                                           u32(ne),         u32(expertBytes),
                                           u32(s0)};
                dispatch(p, b, push, sizeof(push), u32(n), u32(std::min(kSlotsPer, nSlots - s0)));
            }
        }
    }
}

void VulkanOps::moeSum(DeviceF32 y, int yStride, const VulkanBuffer& route, int rows, int nUsed,
                       int cols, DeviceF32 out, int outStride) {
    const OpScope op(*this, OpKind::MoeSum);
    if (rows <= 0) return;
    const VulkanPipeline& p = m_pipelines.get("moe_sum", 3, kElementWg);
    const int nSlots = rows * nUsed;
    const Binding b[3] = {
        window(*y.buffer, y.offset, (uint64_t(nSlots - 1) * yStride + cols) * sizeof(float)),
        window(route, 0, uint64_t(nSlots) * 8),
        window(*out.buffer, out.offset, (uint64_t(rows - 1) * outStride + cols) * sizeof(float))};
    const uint32_t push[8] = {u32(rows),           u32(cols),     u32(nUsed),
                              b[0].elemOffset / 4, u32(yStride),  b[1].elemOffset / 4,
                              b[2].elemOffset / 4, u32(outStride)};
    const uint64_t n = uint64_t(rows) * cols;
    dispatchLinear(p, b, push, sizeof(push), (n + kElementWg - 1) / kElementWg);
}

void VulkanOps::headMix(const VulkanWeight& a, const VulkanWeight& b, const VulkanWeight& bias,
                        DeviceF32 hidden, int hiddenStride, DeviceF32 z, int zStride, float alpha,
                        DeviceF32 projected, int projectedStride, DeviceF32 out, int outStride,
                        int rows) {
    if (rows <= 0) return;
    const int64_t rank = a.nOut, nVocab = b.nOut;
    if (a.type != GgmlType::F32 || b.type != GgmlType::F32 || bias.type != GgmlType::F32 ||
        b.nIn != rank || bias.nIn != nVocab)
        throw VulkanError("Vulkan: the diversity head's tensors do not fit together (A " +
                          std::to_string(rank) + " rows, B " + std::to_string(b.nIn) + " x " +
                          std::to_string(nVocab) + ", b " + std::to_string(bias.nIn) + ")");
    matmul(a, hidden, rows, hiddenStride, projected, projectedStride);
    const OpScope op(*this, OpKind::HeadMix);
    const VulkanPipeline& p = m_pipelines.get("head_mix", 5, kElementWg);
    // Vocabulary entries per dispatch: the chunk's rows of B (plus alignment slack) must fit
    // one binding (a 256k vocabulary at rank 128 is 128 MiB, lavapipe's whole range).
    const uint64_t room = m_device.maxStorageRange() - m_device.storageAlignment();
    const int64_t chunk =
        std::max<int64_t>(1, std::min<int64_t>(nVocab, int64_t(room / 4 / uint64_t(rank))));
    const Binding bt =
        window(*projected.buffer, projected.offset,
               (uint64_t(rows - 1) * projectedStride + uint64_t(rank)) * sizeof(float));
    for (int64_t i0 = 0; i0 < nVocab; i0 += chunk) {
        const int64_t n = std::min(chunk, nVocab - i0);
        const uint64_t span = uint64_t(n) * sizeof(float);
        const Binding bb =
            window(*b.buffer, uint64_t(i0) * rank * sizeof(float), uint64_t(n) * rank * 4);
        const Binding bbias = window(*bias.buffer, uint64_t(i0) * sizeof(float), span);
        const Binding bz = window(*z.buffer, z.offset + uint64_t(i0) * sizeof(float),
                                  (uint64_t(rows - 1) * zStride + uint64_t(n)) * sizeof(float));
        const Binding bo = window(*out.buffer, out.offset + uint64_t(i0) * sizeof(float),
                                  (uint64_t(rows - 1) * outStride + uint64_t(n)) * sizeof(float));
        const Binding bind[5] = {bb, bbias, bt, bz, bo};
        struct {
            uint32_t rows, n, rank, bOffset, biasOffset, tOffset, tStride, zOffset, zStride,
                oOffset, oStride;
            float alpha;
        } push{u32(rows),
               u32(n),
               u32(rank),
               bb.elemOffset / 4,
               bbias.elemOffset / 4,
               bt.elemOffset / 4,
               u32(projectedStride),
               bz.elemOffset / 4,
               u32(zStride),
               bo.elemOffset / 4,
               u32(outStride),
               alpha};
        const uint64_t items = uint64_t(rows) * uint64_t(n);
        dispatchLinear(p, bind, &push, sizeof(push), (items + kElementWg - 1) / kElementWg);
    }
}

void VulkanOps::axpy(DeviceF32 x, DeviceF32 y, int64_t n, float a, bool assign) {
    const OpScope op(*this, OpKind::Axpy);
    const VulkanPipeline& p = m_pipelines.get("axpy", 2, kElementWg);
    const uint64_t span = uint64_t(n) * sizeof(float);
    const Binding b[2] = {window(*x.buffer, x.offset, span), window(*y.buffer, y.offset, span)};
    struct {
        uint32_t n, xOffset, yOffset, assign;
        float a;
    } push{u32(n), b[0].elemOffset / 4, b[1].elemOffset / 4, assign ? 1u : 0u, a};
    dispatchLinear(p, b, &push, sizeof(push), (uint64_t(n) + kElementWg - 1) / kElementWg);
}

} // namespace fabulist::inference::vulkan
