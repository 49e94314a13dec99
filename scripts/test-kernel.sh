#!/usr/bin/env bash
# End-to-end test of the "diffusionlab" Jupyter kernel (run after `mvn -B package` or `mvn -B verify`):
# installs the built kernelspec into temporary Jupyter dirs (the user's setup is not touched), drives the
# kernel over ZeroMQ with jupyter_client (protocol, then robustness on a small-heap copy of the kernel: 100,000
# printed lines, System.exit, a forged message, heap exhaustion), checks run-notebooks.sh fails on a failing notebook, and runs
# notebooks/00-getting-started.ipynb checking that it produced image/png and text/html outputs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY=python3
if ! "$PY" -c "import jupyter_client" 2>/dev/null; then PY=/usr/bin/python3; fi
"$PY" -c "import jupyter_client" || { echo "test-kernel: python3 with jupyter_client needed" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export JUPYTER_DATA_DIR="$TMP/data" JUPYTER_RUNTIME_DIR="$TMP/runtime" JUPYTER_CONFIG_DIR="$TMP/config"
export JUPYTER_PATH="$JUPYTER_DATA_DIR"
export PYDEVD_DISABLE_FILE_VALIDATION=1

echo "== install kernelspec into $JUPYTER_DATA_DIR"
scripts/install-kernel.sh
specs="$(jupyter kernelspec list 2>&1)"  # captured first: grep -q under pipefail races the writer
grep -q "diffusionlab *$JUPYTER_DATA_DIR/kernels/diffusionlab" <<<"$specs" \
  || { echo "FAIL: kernelspec not installed in the temporary dir" >&2; exit 1; }

echo "== a jar for %jars"
mkdir -p "$TMP/jar/src/demo" "$TMP/jar/classes"
printf 'package demo;\npublic class Hello { public String hi() { return "hi from jar"; } }\n' > "$TMP/jar/src/demo/Hello.java"
javac -d "$TMP/jar/classes" "$TMP/jar/src/demo/Hello.java"
jar cf "$TMP/jar/hello.jar" -C "$TMP/jar/classes" .

echo "== protocol checks"
# %maven works offline from the local repository: the resolver jars the kernel build itself downloaded there
RESOLVER_VERSION="$(sed -n 's:.*<maven.resolver.version>\(.*\)</maven.resolver.version>.*:\1:p' kernel/pom.xml)"
# the kernel must preload the MKL vendor fix from its kernel.json (not inherit it): LD_PRELOAD is emptied below
EXPECT_MKL_AMD=0; [[ -n "$(LD_PRELOAD= scripts/mkl-amd.sh 2>/dev/null)" ]] && EXPECT_MKL_AMD=1
LD_PRELOAD= EXPECT_MKL_AMD="$EXPECT_MKL_AMD" \
DLAB_QUICK=1 DLAB_KERNEL_E2E=passed-through DEMO_JAR_DIR="$TMP/jar" DLAB_MAVEN_OFFLINE=1 RESOLVER_VERSION="$RESOLVER_VERSION" \
  "$PY" - <<'PYEOF'
import base64, json, os, re, struct, sys, time
from jupyter_client.manager import KernelManager

failures = []
def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else f"\n     {detail}"))
    if not cond:
        failures.append(what)

spec = KernelManager(kernel_name="diffusionlab").kernel_spec
check(spec.interrupt_mode == "message", "kernel.json interrupt_mode is message", spec.interrupt_mode)
check(spec.display_name == "Java (Diffusion Lab)" and spec.language == "java", "kernel.json names", spec.display_name)
check(any(a.startswith("-Xmx") for a in spec.argv) and "-Djava.awt.headless=true" in spec.argv, "kernel.json JVM flags", spec.argv)

km = KernelManager(kernel_name="diffusionlab")
km.start_kernel()
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)

def run(code, timeout=120, wait=True):
    msg_id = kc.execute(code)
    if not wait:
        return msg_id
    return collect(msg_id, timeout)

def collect(msg_id, timeout=120):
    outputs, deadline = [], time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t = msg["msg_type"]
        if t == "status" and msg["content"]["execution_state"] == "idle":
            break
        if t in ("stream", "display_data", "execute_result", "error", "update_display_data"):
            outputs.append(msg)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], outputs

def of(outputs, t):
    return [o["content"] for o in outputs if o["msg_type"] == t]

def png_size(b64):
    raw = base64.b64decode(b64)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", raw[16:24])

try:
    reply, outs = run("1 + 1")
    res = of(outs, "execute_result")
    check(reply["status"] == "ok" and res and res[0]["data"]["text/plain"] == "2", "1 + 1 shows 2", outs)

    reply, outs = run('System.out.println("to stdout");\nSystem.err.println("to stderr");\nint unused = 3;')
    streams = {s["name"]: s["text"] for s in of(outs, "stream")}
    check(streams.get("stdout") == "to stdout\n" and "to stderr" in streams.get("stderr", ""), "System.out/err stream into the cell", streams)
    check(not of(outs, "execute_result"), "a declaration shows no value", outs)

    reply, outs = run('System.out.printf("%d apples%n", 3)')
    check(not of(outs, "execute_result") and "3 apples" in "".join(s["text"] for s in of(outs, "stream")),
          "a cell ending in printf shows the text, not the PrintStream", outs)

    reply, outs = run('org.slf4j.LoggerFactory.getLogger("e2e").warn("logged via slf4j");')
    err = "".join(s["text"] for s in of(outs, "stream") if s["name"] == "stderr")
    check("logged via slf4j" in err, "slf4j-simple output lands in the cell (stderr)", outs)

    reply, outs = run('System.getenv("DLAB_KERNEL_E2E") + " " + dev.diffusionlab.core.Quick.isOn()')
    res = of(outs, "execute_result")
    check(res and res[0]["data"]["text/plain"] == "passed-through true", "environment (DLAB_QUICK) passes through", outs)

    reply, outs = run('dev.diffusionlab.core.Engines.mklReport()')
    res = of(outs, "execute_result")
    mkl = res[0]["data"]["text/plain"] if res else str(outs)
    check(("preloaded)" in mkl) == (os.environ["EXPECT_MKL_AMD"] == "1"),
          "the kernel preloads the MKL vendor fix exactly where scripts/mkl-amd.sh builds it", mkl)

    reply, outs = run("int x = 1;\nint y = notDeclared + 1;")
    errs = of(outs, "error")
    tb = "\n".join(errs[0]["traceback"]) if errs else ""
    check(reply["status"] == "error" and reply["ename"] == "CompilationException", "compile error reply", reply)
    check("cell line 2" in tb and "cannot find symbol" in tb and "notDeclared" in tb, "compile error shows javac text and cell line", tb)

    run("int inverse(int d) {\n    return 1 / d;\n}")
    reply, outs = run("inverse(0)")
    errs = of(outs, "error")
    tb = "\n".join(errs[0]["traceback"]) if errs else ""
    check(reply["status"] == "error" and reply["ename"] == "ArithmeticException", "runtime error reply names the exception", reply.get("ename"))
    check("/ by zero" in tb and "at inverse (cell" in tb and "line 2)" in tb, "runtime error shows the user's frames", tb)
    check("jdk.internal.reflect" not in tb and "dev.diffusionlab.kernel" not in tb and "jdk.jshell" not in tb, "no kernel internals in the trace", tb)

    loop_id = run("long spins = 0;\nwhile (true) { spins++; }", wait=False)
    time.sleep(2)
    km.interrupt_kernel()
    reply, outs = collect(loop_id, timeout=60)
    check(reply["status"] == "error" and reply["ename"] == "EvaluationInterruptedException", "interrupt stops while(true)", reply)
    reply, outs = run("1 + 1")
    res = of(outs, "execute_result")
    check(res and res[0]["data"]["text/plain"] == "2", "kernel survives the interrupt: 1 + 1 = 2", outs)
    reply, outs = run("spins > 0")
    check(of(outs, "execute_result")[0]["data"]["text/plain"] == "true", "state from the stopped cell is kept", outs)

    reply, outs = run("var img = new java.awt.image.BufferedImage(4, 3, java.awt.image.BufferedImage.TYPE_INT_RGB);\ndisplay(img);")
    disp = of(outs, "display_data")
    check(disp and "image/png" in disp[0]["data"] and png_size(disp[0]["data"]["image/png"]) == (4, 3), "display(BufferedImage) is a 4x3 image/png", outs)
    check(disp and disp[0].get("transient", {}).get("display_id"), "display data carries a display id", disp)
    check(not of(outs, "execute_result"), "display(x) as last line shows no id", outs)

    reply, outs = run('String id = display("frame 0");\nupdateDisplay(id, "frame 1");')
    upd = of(outs, "update_display_data")
    first = of(outs, "display_data")
    check(upd and first and upd[0]["transient"]["display_id"] == first[0]["transient"]["display_id"]
          and upd[0]["data"]["text/plain"] == "frame 1", "updateDisplay updates the same display id", outs)

    reply, outs = run('var c = new org.knowm.xchart.XYChartBuilder().width(300).height(200).title("e2e").build();\n'
                      'c.addSeries("s", new double[]{0, 1}, new double[]{1, 0});\nc')
    res = of(outs, "execute_result")
    check(res and "image/png" in res[0]["data"] and png_size(res[0]["data"]["image/png"]) == (600, 400), "XChart renders as PNG via lib's NotebookDisplay", outs)

    reply, outs = run('tech.tablesaw.api.Table.create("t", tech.tablesaw.api.IntColumn.create("n", java.util.stream.IntStream.range(0, 30).toArray()))')
    res = of(outs, "execute_result")
    html = res[0]["data"].get("text/html", "") if res else ""
    check("<table" in html and "10 more rows" in html, "Tablesaw table renders as truncated HTML", html[:200])

    jar_dir = os.environ["DEMO_JAR_DIR"]
    reply, outs = run(f"%jars {jar_dir}/*.jar\nnew demo.Hello().hi()")
    res = of(outs, "execute_result")
    check(res and res[0]["data"]["text/plain"] == "hi from jar", "%jars adds a jar (glob) to the classpath", outs)

    reply, outs = run('String template = """\n%s has %d legs\n""";\nint legs = 17\n    %5;\nString.format(template, "a cat", legs)')
    res = of(outs, "execute_result")
    check(reply["status"] == "ok" and res and res[0]["data"]["text/plain"] == "a cat has 2 legs\n",
          "%-lines in a text block and a continuation line run as Java", outs)

    v = os.environ["RESOLVER_VERSION"]
    reply, outs = run(f"%maven org.apache.maven.resolver:maven-resolver-util:{v}")
    text = "".join(s["text"] for s in of(outs, "stream"))
    check(reply["status"] == "ok" and f"maven-resolver-api:jar:{v}" in text and "added 2 classpath entries" in text,
          "%maven resolves offline from the local repository, with its dependency", outs)
    # util (the artifact) used with api (its dependency)
    reply, outs = run('org.eclipse.aether.util.artifact.ArtifactIdUtils.toId(new org.eclipse.aether.artifact.DefaultArtifact("g:a:1.0"))')
    res = of(outs, "execute_result")
    check(res and res[0]["data"]["text/plain"] == "g:a:jar:1.0", "the %maven artifact's classes work in the next cell", outs)

    reply, outs = run("%time int answer = 6 * 7;\nanswer")
    text = "".join(s["text"] for s in of(outs, "stream"))
    res = of(outs, "execute_result")
    check(text.startswith("Wall time: ") and res and res[0]["data"]["text/plain"] == "42", "%time prints a wall time, keeps the declaration", outs)
    reply, outs = run("%%time\nThread.sleep(50);")
    text = "".join(s["text"] for s in of(outs, "stream"))
    check(re.fullmatch(r"Wall time: [0-9.]+ (ms|s)\n", text) is not None, "%%time prints the cell's wall time", text)

    code = "boolean q = dev.diffusionlab.core.Quick.isOn();"
    kc.inspect(code, code.index("isOn") + 2)
    rep = kc.get_shell_msg(timeout=60)["content"]
    doc = rep.get("data", {}).get("text/plain", "")
    check(rep.get("found") and "isOn()" in doc and "True in quick mode." in doc, "inspection under the cursor shows the javadoc", rep)

    reply, outs = run('var bar = dev.diffusionlab.core.Progress.bar("e2e bar", 3);\n'
                      'for (int i = 0; i < 3; i++) { Thread.sleep(250); bar.update(i, "step " + i); }')
    shown, upd = of(outs, "display_data"), of(outs, "update_display_data")
    html0 = shown[0]["data"].get("text/html", "") if shown else ""
    check("<progress" in html0 and "e2e bar" in html0 and upd
          and all(u["transient"]["display_id"] == shown[0]["transient"]["display_id"] for u in upd)
          and 'value="3"' in upd[-1]["data"]["text/html"] and "3/3" in upd[-1]["data"]["text/plain"],
          f"progress bar: one display_data, {len(upd)} update_display_data in place, ends at 3/3", outs)

    msg_id = kc.complete("Math.ab", 7)
    rep = kc.get_shell_msg(timeout=30)
    check("abs(" in rep["content"]["matches"] and rep["content"]["cursor_start"] == 5, "tab completion", rep["content"])
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)

if failures:
    print(f"{len(failures)} protocol check(s) failed", file=sys.stderr)
sys.stdout.flush(); sys.stderr.flush()
os._exit(1 if failures else 0)  # skip jupyter_client's noisy __del__ at interpreter exit
PYEOF

echo "== robustness (issue 18): printing floods, System.exit, a forged message, heap exhaustion (kernel with -Xmx512m)"
mkdir -p "$JUPYTER_DATA_DIR/kernels/diffusionlab-smallheap"
sed 's/"-Xmx[^"]*"/"-Xmx512m"/' "$JUPYTER_DATA_DIR/kernels/diffusionlab/kernel.json" > "$JUPYTER_DATA_DIR/kernels/diffusionlab-smallheap/kernel.json"
grep -q '"-Xmx512m"' "$JUPYTER_DATA_DIR/kernels/diffusionlab-smallheap/kernel.json" || { echo "FAIL: no -Xmx in kernel.json" >&2; exit 1; }
"$PY" - <<'PYEOF'
import os, queue, sys, time
from jupyter_client.manager import KernelManager

failures = []
def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond else f"\n     {str(detail)[:2000]}"))
    if not cond:
        failures.append(what)

km = KernelManager(kernel_name="diffusionlab-smallheap")
km.start_kernel()
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)

def collect(msg_id, timeout=120):
    outputs, deadline = [], time.time() + timeout
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        except queue.Empty:
            raise AssertionError(f"no idle status within {timeout} s (kernel alive: {km.is_alive()})") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t = msg["msg_type"]
        if t == "status" and msg["content"]["execution_state"] == "idle":
            break
        if t in ("stream", "display_data", "execute_result", "error", "update_display_data"):
            outputs.append(msg)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], outputs

def run(code, timeout=120):
    return collect(kc.execute(code), timeout)

def of(outputs, t):
    return [o["content"] for o in outputs if o["msg_type"] == t]

def value(outs):
    res = of(outs, "execute_result")
    return res[0]["data"]["text/plain"] if res else None

try:
    t0 = time.time()
    reply, outs = run('for (int i = 0; i < 100_000; i++) System.out.println("line " + i);', timeout=300)
    streams = [s for s in of(outs, "stream") if s["name"] == "stdout"]
    text = "".join(s["text"] for s in streams)
    expected = "".join(f"line {i}\n" for i in range(100_000))
    check(reply["status"] == "ok" and text == expected,
          f"100,000 printed lines arrive complete, in order, before idle ({time.time() - t0:.1f} s)",
          f"{text.count(chr(10))} lines, reply {reply['status']}")
    check(0 < len(streams) <= 200, f"printing is batched: {len(streams)} stream messages for 100,000 lines", len(streams))

    reply, outs = run('System.out.print("a");\nSystem.err.print("b");\ndisplay("shown");\nSystem.out.print("c");')
    order = [(o["msg_type"], o["content"].get("text") or o["content"].get("data", {}).get("text/plain")) for o in outs]
    check(order[:2] in ([("stream", "a"), ("stream", "b")], [("stream", "b"), ("stream", "a")])
          and order[2] == ("display_data", "shown") and order[3] == ("stream", "c"),
          "output printed before a display arrives before it", order)

    reply, outs = run('int before = 41;\nSystem.exit(0);\nint after = 1;')
    tb = "\n".join(of(outs, "error")[0]["traceback"]) if of(outs, "error") else ""
    check(reply["status"] == "error" and reply["ename"] == "SystemExitRefusedException"
          and "System.exit(0) is not allowed in a notebook cell" in reply["evalue"] and "line 2" in tb,
          "System.exit(0) gets an error reply naming the cell line", (reply, tb))
    reply, outs = run("before + 1")
    check(km.is_alive() and value(outs) == "42", "after System.exit the kernel answers, state kept", outs)

    # a forged execute_request: right format, wrong HMAC signature
    forged = kc.session.msg("execute_request", {"code": 'System.setProperty("dlab.forged", "ran");', "silent": False,
                                                 "store_history": True, "user_expressions": {}, "allow_stdin": False,
                                                 "stop_on_error": True})
    frames = kc.session.serialize(forged)
    i = frames.index(b"<IDS|MSG>")
    frames[i + 1] = b"0" * len(frames[i + 1])
    kc.shell_channel.socket.send_multipart(frames)
    time.sleep(0.5)
    reply, outs = run('System.getProperty("dlab.forged", "not run")', timeout=30)
    check(value(outs) == "not run", "after a forged message the next execute_request is answered; the forged code did not run", outs)
    check(km.is_alive(), "kernel alive after the forged message")

    # while the heap fills, a client pings the heartbeat without pause: jeromq's I/O thread allocates for every ping, so the
    # full heap often strikes it (or a channel loop) before the cell; the kernel must still answer
    import threading, zmq
    flooding = threading.Event()
    pings = [0]
    def flood():
        ctx, addr = zmq.Context(), f"{km.transport}://{km.ip}:{km.hb_port}"
        s = ctx.socket(zmq.REQ); s.connect(addr)
        while not flooding.is_set():
            s.send(b"ping" * 256)
            if s.poll(2000):
                s.recv(); pings[0] += 1
            else:  # no echo (the heap is full): a REQ socket must be remade before it sends again
                s.close(linger=0); s = ctx.socket(zmq.REQ); s.connect(addr)
        s.close(linger=0); ctx.term()
    flooder = threading.Thread(target=flood, daemon=True)
    flooder.start()
    run("List<long[]> hog = new ArrayList<>();")
    t0 = time.time()
    reply, outs = run("while (true) hog.add(new long[128 * 1024]);  // 1 MB each, all kept", timeout=300)
    check(reply["status"] == "error" and reply["ename"] == "CellOutOfMemoryException"
          and "set large variables to null" in reply["evalue"],
          f"a heap-filling cell gets an out-of-memory error reply ({time.time() - t0:.1f} s)", reply)
    print("     " + reply.get("evalue", "").split("\n")[0])
    reply, outs = run("1 + 1")
    check(km.is_alive() and value(outs) == "2", "the next cell runs: 1 + 1 = 2", (reply, outs))
    reply, outs = run("hog.size() > 100")
    check(value(outs) == "true", "the filled list is still there", outs)
    reply, outs = run("hog = null;\nnew long[(int) (Runtime.getRuntime().maxMemory() / 8 / 2)].length > 0")
    check(value(outs) == "true", "after hog = null half the heap can be allocated again", (reply, outs))

    run("List<Object> small = new LinkedList<>();")
    t0 = time.time()
    reply, outs = run('while (true) small.add(new StringBuilder("x" + small.size()));  // many small objects', timeout=300)
    check(reply["status"] == "error" and reply["ename"] == "CellOutOfMemoryException",
          f"a heap filled with small objects gets an out-of-memory error reply too ({time.time() - t0:.1f} s)", reply)
    reply, outs = run("small = null;\n1 + 1")
    check(km.is_alive() and value(outs) == "2", "and the next cell runs", (reply, outs))
    flooding.set(); flooder.join(10)
    check(pings[0] > 0, f"the heartbeat was answered {pings[0]} times while the heap filled and emptied", pings[0])
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)

if failures:
    print(f"{len(failures)} robustness check(s) failed", file=sys.stderr)
sys.stdout.flush(); sys.stderr.flush()
os._exit(1 if failures else 0)
PYEOF

echo "== run-notebooks.sh must fail on a failing notebook"
set +e
out="$(scripts/run-notebooks.sh kernel/src/test/notebooks/failing.ipynb 2>&1)"
rc=$?
set -e
echo "$out" | grep -E "^failing.ipynb|^notebooks:"
if [[ $rc -eq 0 ]] || ! echo "$out" | grep -qx "notebooks: 0 passed, 1 failed"; then
  echo "FAIL: run-notebooks.sh exited $rc on failing.ipynb" >&2; exit 1
fi
echo "ok   run-notebooks.sh exits $rc on a failing notebook"

echo "== getting-started notebook, headless"
DLAB_QUICK=1 scripts/run-notebooks.sh notebooks/00-getting-started.ipynb
"$PY" - <<'PYEOF'
import json, sys
nb = json.load(open("target/notebooks/00-getting-started.ipynb"))
mimes = [m for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"] for m in o.get("data", {})]
errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"]
ok = "image/png" in mimes and "text/html" in mimes and not errors
print(("ok   " if ok else "FAIL ") + f"executed 00-getting-started has image/png x{mimes.count('image/png')}, text/html x{mimes.count('text/html')}, {len(errors)} errors")
sys.exit(0 if ok else 1)
PYEOF
echo "test-kernel: all checks passed"
