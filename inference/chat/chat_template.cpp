#include "inference/chat/chat_template.h"

#include "inference/chat/chat_ast.h"
#include "inference/chat/chat_filters.h"
#include "inference/chat/chat_lexer.h"
#include "inference/chat/chat_operations.h"
#include "inference/chat/chat_parser.h"

#include <algorithm>
#include <unordered_map>

namespace fabulist::inference::chat {

namespace {

// A variable scope: the template's globals, a for loop's iteration or a macro call.
struct Scope {
    std::shared_ptr<Scope> parent;
    std::unordered_map<std::string, Value> vars;

    const Value* lookup(const std::string& name) const {
        for (const Scope* s = this; s; s = s->parent.get()) {
            const auto found = s->vars.find(name);
            if (found != s->vars.end()) return &found->second;
        }
        return nullptr;
    }
};
using ScopePtr = std::shared_ptr<Scope>;

enum class Flow { Normal, Break, Continue };

const Value& argument(const CallArgs& args, size_t index, const char* keyword,
                      const Value& fallback) {
    if (index < args.positional.size()) return args.positional[index];
    for (const auto& [k, v] : args.keywords)
        if (k == keyword) return v;
    return fallback;
}

class Renderer {
public:
    explicit Renderer(std::function<std::tm()> now) : now_(std::move(now)) {}

    Flow run(const Body& body, const ScopePtr& scope, std::string& out) {
        for (const NodePtr& node : body) {
            Flow flow;
            try {
                flow = statement(*node, scope, out);
            } catch (const ValueError& e) {
                throw TemplateError(e.what(), node->line);
            }
            if (flow != Flow::Normal) return flow;
        }
        return Flow::Normal;
    }

    ScopePtr globals(const Dict& variables) {
        auto scope = std::make_shared<Scope>();
        scope->vars["range"] = Value::function(range);
        scope->vars["namespace"] = Value::function([](const CallArgs& a) {
            Dict d =
                !a.positional.empty() && a.positional[0].isDict() ? a.positional[0].dict() : Dict{};
            for (const auto& kv : a.keywords) d.push_back(kv);
            return Value::namespaceOf(std::move(d));
        });
        scope->vars["dict"] = Value::function(
            [](const CallArgs& a) { return Value(Dict(a.keywords.begin(), a.keywords.end())); });
        scope->vars["raise_exception"] = Value::function([](const CallArgs& a) -> Value {
            throw TemplateError(argument(a, 0, "message", Value("")).str(), 0, true);
        });
        scope->vars["strftime_now"] = Value::function([this](const CallArgs& a) {
            const std::tm t = now();
            char buf[256];
            const size_t n = std::strftime(buf, sizeof buf,
                                           argument(a, 0, "format", Value("")).str().c_str(), &t);
            return Value(std::string(buf, n));
        });
        for (const auto& [k, v] : variables) scope->vars[k] = v;
        return scope;
    }

private:
    std::tm now() const {
        if (now_) return now_();
        const std::time_t t = std::time(nullptr);
        std::tm local{};
        localtime_r(&t, &local);
        return local;
    }

    static Value range(const CallArgs& a) {
        int64_t start = 0, stop = 0, step = 1;
        if (a.positional.size() == 1)
            stop = a.positional[0].integer();
        else if (a.positional.size() >= 2) {
            start = a.positional[0].integer();
            stop = a.positional[1].integer();
            if (a.positional.size() > 2) step = a.positional[2].integer();
        }
        if (step == 0) throw ValueError("range() arg 3 must not be zero");
        List out;
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.emplace_back(i);
        return Value(out);
    }

    Flow statement(const Node& node, const ScopePtr& scope, std::string& out) {
        switch (node.kind) {
        case Node::Kind::Text:
            out += node.text;
            return Flow::Normal;
        case Node::Kind::Output:
            out += eval(*node.expr, scope).str();
            return Flow::Normal;
        case Node::Kind::If:
            for (size_t i = 0; i < node.conditions.size(); ++i)
                if (eval(*node.conditions[i], scope).truthy())
                    return run(node.bodies[i], scope, out);
            if (node.bodies.size() > node.conditions.size())
                return run(node.bodies.back(), scope, out);
            return Flow::Normal;
        case Node::Kind::For:
            forLoop(node, scope, out);
            return Flow::Normal;
        case Node::Kind::Set:
            assign(node, eval(*node.expr, scope), scope);
            return Flow::Normal;
        case Node::Kind::SetBlock: {
            std::string captured;
            run(node.bodies[0], scope, captured);
            assign(node, Value(captured), scope);
            return Flow::Normal;
        }
        case Node::Kind::Macro:
            scope->vars[node.name] = macro(node, scope);
            return Flow::Normal;
        case Node::Kind::CallBlock:
            out += callWithCaller(node, scope).str();
            return Flow::Normal;
        case Node::Kind::Break:
            return Flow::Break;
        case Node::Kind::Continue:
            return Flow::Continue;
        }
        return Flow::Normal;
    }

    static void bind(const std::vector<std::string>& targets, const Value& v, Scope& scope) {
        if (targets.size() == 1) {
            scope.vars[targets[0]] = v;
            return;
        }
        const List items = iterate(v);
        if (items.size() != targets.size())
            throw ValueError("cannot unpack " + std::to_string(items.size()) + " values into " +
                             std::to_string(targets.size()) + " names");
        for (size_t i = 0; i < items.size(); ++i) scope.vars[targets[i]] = items[i];
    }

    void assign(const Node& node, const Value& v, const ScopePtr& scope) {
        if (!node.attributeTarget) {
            bind(node.targets, v, *scope);
            return;
        }
        const Value* ns = scope->lookup(node.targets[0]);
        if (!ns || !ns->isNamespace())
            throw ValueError("cannot assign attribute on non-namespace object '" + node.targets[0] +
                             "'");
        Dict& d = ns->mutableDict();
        for (auto& kv : d)
            if (kv.first == node.targets[1]) {
                kv.second = v;
                return;
            }
        d.emplace_back(node.targets[1], v);
    }

    static Value loopObject(size_t index, const List& items) {
        const int64_t i = int64_t(index), n = int64_t(items.size());
        Dict loop = {
            {"index", Value(i + 1)},
            {"index0", Value(i)},
            {"revindex", Value(n - i)},
            {"revindex0", Value(n - i - 1)},
            {"first", Value(i == 0)},
            {"last", Value(i == n - 1)},
            {"length", Value(n)},
            {"depth", Value(int64_t(1))},
            {"depth0", Value(int64_t(0))},
            {"previtem", i > 0 ? items[index - 1] : Value::undefined("there is no previous item")},
            {"nextitem", i + 1 < n ? items[index + 1] : Value::undefined("there is no next item")}};
        loop.emplace_back("cycle", Value::function([i](const CallArgs& a) {
                              if (a.positional.empty())
                                  throw ValueError("no items for cycling given");
                              return a.positional[size_t(i) % a.positional.size()];
                          }));
        return Value(std::move(loop));
    }

    // Each iteration gets a scope of its own: a `set` inside the loop does not leave it (jinja2).
    void forLoop(const Node& node, const ScopePtr& scope, std::string& out) {
        List items;
        for (const Value& item : iterate(eval(*node.expr, scope))) {
            if (!node.conditions.empty()) {
                auto probe = std::make_shared<Scope>(Scope{scope, {}});
                bind(node.targets, item, *probe);
                if (!eval(*node.conditions[0], probe).truthy()) continue;
            }
            items.push_back(item);
        }
        for (size_t i = 0; i < items.size(); ++i) {
            auto iteration = std::make_shared<Scope>(Scope{scope, {}});
            bind(node.targets, items[i], *iteration);
            iteration->vars["loop"] = loopObject(i, items);
            if (run(node.bodies[0], iteration, out) == Flow::Break) break;
        }
        if (items.empty() && node.bodies.size() > 1) run(node.bodies[1], scope, out);
    }

    Value macro(const Node& node, const ScopePtr& definedIn) {
        // weak: the scope holds the macro, so a strong pointer back would never be freed
        std::weak_ptr<Scope> weakScope = definedIn;
        return Value::function([this, &node, weakScope](const CallArgs& a) {
            auto call = std::make_shared<Scope>(Scope{weakScope.lock(), {}});
            List varargs;
            for (size_t i = 0; i < a.positional.size(); ++i) {
                if (i < node.params.size())
                    call->vars[node.params[i].first] = a.positional[i];
                else
                    varargs.push_back(a.positional[i]);
            }
            Dict kwargs;
            for (const auto& [k, v] : a.keywords) {
                const bool isParam = std::any_of(node.params.begin(), node.params.end(),
                                                 [&](const auto& p) { return p.first == k; });
                if (isParam || k == "caller")
                    call->vars[k] = v;
                else
                    kwargs.emplace_back(k, v);
            }
            for (const auto& [name, fallback] : node.params)
                if (!call->vars.count(name))
                    call->vars[name] =
                        fallback ? eval(*fallback, call)
                                 : Value::undefined("parameter '" + name + "' was not provided");
            call->vars["varargs"] = Value::tuple(varargs);
            call->vars["kwargs"] = Value(kwargs);
            std::string out;
            run(node.bodies[0], call, out);
            return Value(out);
        });
    }

    // The call of a {% call %} block, with caller() rendering the block's body where it stands.
    Value callWithCaller(const Node& node, const ScopePtr& scope) {
        const Expr& call = *node.expr;
        const Value callee = eval(*call.items[0], scope);
        if (!callee.isFunction()) throw ValueError("{% call %} needs a macro");
        CallArgs args = arguments(call, 1, scope);
        std::weak_ptr<Scope> weakScope = scope;
        args.keywords.emplace_back(
            "caller", Value::function([this, &node, weakScope](const CallArgs&) {
                std::string out;
                run(node.bodies[0], std::make_shared<Scope>(Scope{weakScope.lock(), {}}), out);
                return Value(out);
            }));
        return callee.callable()(args);
    }

    CallArgs arguments(const Expr& e, size_t first, const ScopePtr& scope) {
        CallArgs args;
        for (size_t i = first; i < e.items.size(); ++i)
            args.positional.push_back(eval(*e.items[i], scope));
        for (const auto& [k, v] : e.keywords) args.keywords.emplace_back(k, eval(*v, scope));
        return args;
    }

    Value eval(const Expr& e, const ScopePtr& scope) {
        switch (e.kind) {
        case Expr::Kind::Literal:
            return e.literal;
        case Expr::Kind::Name: {
            const Value* v = scope->lookup(e.name);
            return v ? *v : Value::undefined("'" + e.name + "' is undefined");
        }
        case Expr::Kind::ListLit: {
            List items;
            for (const ExprPtr& item : e.items) items.push_back(eval(*item, scope));
            return e.name == "tuple" ? Value::tuple(items) : Value(items);
        }
        case Expr::Kind::DictLit: {
            Dict d;
            for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
                const Value key = eval(*e.items[i], scope);
                if (!key.isString())
                    throw ValueError("only string keys are supported in dict literals");
                d.emplace_back(key.string(), eval(*e.items[i + 1], scope));
            }
            return Value(d);
        }
        case Expr::Kind::Attr:
            return getAttribute(eval(*e.items[0], scope), e.name);
        case Expr::Kind::Item:
            return getItem(eval(*e.items[0], scope), eval(*e.items[1], scope));
        case Expr::Kind::Slice: {
            auto part = [&](size_t i) {
                return e.items[i] ? eval(*e.items[i], scope) : Value::none();
            };
            return sliceOf(eval(*e.items[0], scope), part(1), part(2), part(3));
        }
        case Expr::Kind::Call: {
            const Value callee = eval(*e.items[0], scope);
            if (callee.isUndefined()) throw ValueError(callee.undefinedError());
            if (!callee.isFunction())
                throw ValueError("'" + callee.typeName() + "' object is not callable");
            return callee.callable()(arguments(e, 1, scope));
        }
        case Expr::Kind::Filter:
            return applyFilter(e.name, eval(*e.items[0], scope), arguments(e, 1, scope));
        case Expr::Kind::Test: {
            const bool passed = applyTest(e.name, eval(*e.items[0], scope), arguments(e, 1, scope));
            return Value(passed != e.negated);
        }
        case Expr::Kind::Not:
            return Value(!eval(*e.items[0], scope).truthy());
        case Expr::Kind::Negate: {
            const Value v = eval(*e.items[0], scope);
            if (!v.isNumber())
                throw ValueError("bad operand type for unary -: '" + v.typeName() + "'");
            return v.kind() == Value::Kind::Float ? Value(-v.number()) : Value(-v.integer());
        }
        case Expr::Kind::Binary: {
            const Value left = eval(*e.items[0], scope);
            if (e.name == "and") return left.truthy() ? eval(*e.items[1], scope) : left;
            if (e.name == "or") return left.truthy() ? left : eval(*e.items[1], scope);
            return binaryOperation(e.name, left, eval(*e.items[1], scope));
        }
        case Expr::Kind::Compare: {
            Value left = eval(*e.items[0], scope);
            for (size_t i = 0; i < e.ops.size(); ++i) {
                Value right = eval(*e.items[i + 1], scope);
                if (!binaryOperation(e.ops[i], left, right).truthy()) return Value(false);
                left = std::move(right);
            }
            return Value(true);
        }
        case Expr::Kind::Condition:
            if (eval(*e.items[1], scope).truthy()) return eval(*e.items[0], scope);
            return e.items[2] ? eval(*e.items[2], scope) : Value::undefined();
        }
        return Value::undefined();
    }

    std::function<std::tm()> now_;
};

} // namespace

ChatTemplate::ChatTemplate(const std::string& source)
    : body_(std::make_shared<Body>(parseTemplate(tokenizeTemplate(source)))) {}

ChatTemplate::~ChatTemplate() = default;

std::string ChatTemplate::render(const Dict& variables, const std::function<std::tm()>& now) const {
    Renderer renderer(now);
    std::string out;
    renderer.run(*body_, renderer.globals(variables), out);
    return out;
}

std::string renderChatTemplate(const std::string& source, const ChatRequest& request) {
    Dict variables = {{"messages", request.messages},
                      {"tools", Value::none()},
                      {"documents", Value::none()},
                      {"add_generation_prompt", Value(request.addGenerationPrompt)}};
    if (request.bosToken) variables.emplace_back("bos_token", Value(*request.bosToken));
    if (request.eosToken) variables.emplace_back("eos_token", Value(*request.eosToken));
    for (const auto& kv : request.extra) variables.push_back(kv);
    return ChatTemplate(source).render(variables, request.now);
}

} // namespace fabulist::inference::chat
