package dev.diffusionlab.kernel;

import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.util.TextColor;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.publish.PublishError;
import org.dflib.jjava.jupyter.messages.reply.ErrorReply;
import org.dflib.jjava.jupyter.messages.reply.ExecuteReply;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Jupyter side: jjava-jupyter's {@link BaseKernel} (messaging, display, renderer registry) wired to a
 * {@link JShellEngine}. Rich rendering comes from {@link org.dflib.jjava.jupyter.Extension}s that the
 * notebook classpath declares in {@code META-INF/services} (lib's {@code dev.diffusionlab.viz.NotebookDisplay}).
 */
public final class DiffusionLabKernel extends BaseKernel implements Notebook.Sink {
    private final JShellEngine engine;
    private final LineMagics magics;
    // ids handed out by display(...) during the running cell: a cell ending in display(x) shows no id as its value
    private final Set<String> displayedThisCell = ConcurrentHashMap.newKeySet();
    // the cell's System.out/err, batched into few stream messages
    private final CellOutput output;

    public DiffusionLabKernel(JShellEngine engine) {
        super("diffusionlab", version(),
                new LanguageInfo.Builder("java").version(Runtime.version().toString()).mimetype("text/x-java-source")
                        .fileExtension(".jshell").pygments("java").codemirror("java").build(),
                List.of(), null, new JupyterIO(StandardCharsets.UTF_8), new CommManager(), new Renderer(),
                null, new MagicsRegistry(), true,
                new StringStyler.Builder().addPrimaryStyle(TextColor.BOLD_RESET_FG).addSecondaryStyle(TextColor.BOLD_RED_FG)
                        .addHighlightStyle(TextColor.BOLD_RESET_FG).build());
        this.engine = engine;
        this.output = new CellOutput(io.out, io.err);
        this.magics = new LineMagics(engine, this::installNotebookExtensions);
    }

    private static String version() {
        String v = DiffusionLabKernel.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public void onStartup() {
        super.onStartup();
        Notebook.install(this);
        installNotebookExtensions();
    }

    @Override
    public void onShutdown(boolean restarting) {
        Notebook.uninstall();
        output.close();
        super.onShutdown(restarting);
        engine.close();
    }

    /** Renderers the notebook classpath provides (ServiceLoader over the cell class loader; repeats are ignored). */
    void installNotebookExtensions() {
        installExtensions(engine.classLoader());
    }

    @Override
    public Object evalRaw(String code) {
        displayedThisCell.clear();
        LineMagics.Cell cell = magics.parse(code);
        JShellEngine.Result r = evalBatched(cell);
        if (!r.hasValue() || r.value() == null) {
            return null;
        }
        if (r.value() instanceof String s && displayedThisCell.contains(s)) {
            return null;
        }
        // printf/format return their stream: a cell ending in System.out.printf(...) shows its output, not the stream
        if (r.value() instanceof java.io.PrintStream || r.value() instanceof java.io.PrintWriter) {
            return null;
        }
        return r.value();
    }

    /** Runs the cell with batched output (all of it sent before this returns), heap exhaustion as an error. */
    private JShellEngine.Result evalBatched(LineMagics.Cell cell) {
        MemoryGuard.cellStarting();
        long t0 = System.nanoTime();
        try {
            return engine.eval(cell.java(), output.out, output.err, cell.hooks());
        } catch (OutOfMemoryError e) { // in JShell's own work on this thread (compiling, reporting)
            MemoryGuard.outOfMemory();
            throw new CellOutOfMemoryException("the kernel ran out of memory while running the cell (" + e + ")");
        } finally {
            if (cell.timeWholeCell()) {
                output.out.println(LineMagics.formatWallTime(System.nanoTime() - t0));
            }
            output.flush();
        }
    }

    /**
     * BaseKernel answers exceptions only; an {@link Error} that escapes it (an OutOfMemoryError while the
     * error is formatted or the result rendered) still gets an error reply here, before the deferred
     * {@code idle}, and the shell thread goes on.
     */
    @Override
    protected void handleExecuteRequest(ShellReplyEnvironment env, Message<ExecuteRequest> request) {
        try {
            super.handleExecuteRequest(env, request);
        } catch (Error e) {
            if (e instanceof OutOfMemoryError) {
                MemoryGuard.outOfMemory();
            }
            Exception reported = e instanceof OutOfMemoryError
                    ? new CellOutOfMemoryException("the kernel ran out of memory while answering the cell (" + e + ")")
                    : new IllegalStateException("the kernel failed while answering the cell: " + e, e);
            ErrorReply reply = ErrorReply.of(reported);
            reply.setExecutionCount(executionCount.get() - 1);
            try {
                env.publish(PublishError.of(reported, this::formatError));
            } finally {
                env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), reply);
            }
        }
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        String doc = engine.documentation(LineMagics.maskMagics(code), at);
        return doc.isEmpty() ? null : new DisplayData(doc);
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        JShellEngine.Completion c = engine.complete(LineMagics.maskMagics(code), at);
        return new ReplacementOptions(c.matches(), c.start(), c.end());
    }

    @Override
    public String isComplete(String code) {
        String r = engine.isComplete(LineMagics.maskMagics(code));
        return switch (r) {
            case "complete" -> IS_COMPLETE_YES;
            case "invalid" -> IS_COMPLETE_BAD;
            default -> r;
        };
    }

    @Override
    public void interrupt() {
        engine.interrupt();
    }

    @Override
    public List<String> formatError(Throwable e) {
        List<String> lines = new ArrayList<>();
        if (e instanceof CompilationException || e instanceof EvaluationInterruptedException
                || e instanceof LineMagics.MagicException || e instanceof CellOutOfMemoryException) {
            for (String l : String.valueOf(e.getMessage()).split("\n")) {
                lines.add(errorStyler.primary(l));
            }
            return lines;
        }
        List<String> trace = engine.userTrace(e);
        lines.add(errorStyler.secondary(trace.get(0)));
        for (String l : trace.subList(1, trace.size())) {
            lines.add(l.startsWith("Caused by: ") ? errorStyler.secondary(l) : errorStyler.primary(l));
        }
        return lines;
    }

    // Notebook.Sink: display(...) and updateDisplay(...) from cells

    @Override
    public String display(Object value, String... mimeTypes) {
        output.flush(); // text printed before the display shows above it
        DisplayData data = render(value, mimeTypes);
        String id = UUID.randomUUID().toString();
        data.setDisplayId(id);
        displayedThisCell.add(id);
        display(data);
        return id;
    }

    @Override
    public void updateDisplay(String id, Object value, String... mimeTypes) {
        output.flush();
        io.display.updateDisplay(id, render(value, mimeTypes));
    }

    private DisplayData render(Object value, String... mimeTypes) {
        if (value instanceof DisplayData d) {
            return d;
        }
        Object v = value == null ? "null" : value;
        return mimeTypes.length == 0 ? renderer.render(v) : renderer.renderAs(v, mimeTypes);
    }

    /** The notebook classpath as configured for this kernel. */
    List<Path> classpath() {
        return engine.classpath();
    }
}
