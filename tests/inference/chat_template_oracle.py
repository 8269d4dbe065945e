#!/usr/bin/env python3
"""Renders the chat templates in a folder with Python's jinja2 (set up as transformers'
apply_chat_template sets it up) and with `fabulist-cli template render`, and checks that the two
agree byte for byte, or that both raise.

usage: chat_template_oracle.py FABULIST_CLI CASES_DIR [MORE_TEMPLATE_DIR...]
CASES_DIR holds *.jinja and conversations.json: {name: {messages, add_generation_prompt,
vars (optional; may set tools), bos/eos (optional; null = the token is not passed)}}. The
templates of MORE_TEMPLATE_DIRs (the real ones of reference-next) get the same conversations,
tool calls and tool definitions included, which the reference renders do not have.
"""
import datetime
import json
import pathlib
import subprocess
import sys
import tempfile

try:
    import jinja2
    import jinja2.ext
    import jinja2.sandbox
except ImportError:
    sys.exit("python3-jinja2 is missing (installer/install-deps.sh installs it)")

FROZEN_NOW = datetime.datetime(2025, 3, 14, 9, 26, 53)
DEFAULT_BOS, DEFAULT_EOS = "<s>", "</s>"


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def environment():
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = FROZEN_NOW.strftime
    return env


def special_tokens(case):
    tokens = {}
    for name, default in (("bos", DEFAULT_BOS), ("eos", DEFAULT_EOS)):
        value = case.get(name, default)
        if value is not None:
            tokens[name + "_token"] = value
    return tokens


def python_render(env, source, case):
    try:
        variables = {"messages": case["messages"], "tools": None, "documents": None,
                     "add_generation_prompt": case["add_generation_prompt"],
                     **special_tokens(case), **case.get("vars", {})}  # vars may set tools
        return "ok", env.from_string(source).render(**variables)
    except jinja2.exceptions.TemplateError as e:  # raise_exception's message, or a jinja2 error
        return "raised", str(e)
    except Exception as e:  # a Python error such as iterating None
        return "raised", f"{type(e).__name__}: {e}"


def cli_render(cli, template, case, messages_file):
    args = [cli, "template", "render", "--template", str(template), "--messages", messages_file,
            "--now", FROZEN_NOW.isoformat()]
    if case["add_generation_prompt"]:
        args.append("--add-generation-prompt")
    for name, value in special_tokens(case).items():
        args += ["--" + name.split("_")[0], value]
    for name, value in case.get("vars", {}).items():
        args += ["--var", f"{name}={json.dumps(value)}"]
    run = subprocess.run(args, capture_output=True, timeout=60)
    if run.returncode == 0:
        return "ok", run.stdout.decode("utf-8")
    return "raised", run.stderr.decode("utf-8", "replace").strip()


def main():
    cli, cases_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    templates = sorted(cases_dir.glob("*.jinja"))
    for more in sys.argv[3:]:
        found = sorted(pathlib.Path(more).glob("*.jinja"))
        if not found:
            sys.exit(f"no templates in {more}")
        templates += found
    conversations = json.loads((cases_dir / "conversations.json").read_text(encoding="utf-8"))
    env = environment()
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for template in templates:
            source = template.read_text(encoding="utf-8")
            for name, case in conversations.items():
                messages_file = str(pathlib.Path(tmp) / f"{name}.json")
                pathlib.Path(messages_file).write_text(json.dumps(case["messages"]), encoding="utf-8")
                expected = python_render(env, source, case)
                got = cli_render(cli, template, case, messages_file)
                checked += 1
                same = expected[0] == got[0] and (expected[0] == "raised" or expected[1] == got[1])
                # raise_exception's own message must come through unchanged.
                if same and expected[0] == "raised" and "alternate" in expected[1]:
                    same = expected[1] in got[1]
                if not same:
                    failures.append(f"{template} x {name}:\n  jinja2: {expected!r}\n  fabulist: {got!r}")
    print("\n".join(failures))
    print(f"{checked - len(failures)} of {checked} renders agree with jinja2 {jinja2.__version__}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
