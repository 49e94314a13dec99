package dev.diffusionlab.kernel;

import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.eclipse.aether.DefaultRepositorySystemSession;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.LocalRepository;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.transfer.AbstractTransferListener;
import org.eclipse.aether.transfer.TransferEvent;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code %maven} and {@code %%loadFromPOM}: Maven's own resolver (maven-resolver with the Maven model, as
 * {@code mvn} uses it) resolving artifacts and their compile/runtime dependencies. It first works offline from the
 * local repository ({@code -Dmaven.repo.local}, else {@code <localRepository>} of {@code ~/.m2/settings.xml},
 * else {@code ~/.m2/repository}); what is missing there is downloaded from the remote ({@code $DLAB_MAVEN_REMOTE},
 * default Maven Central) unless {@code DLAB_MAVEN_OFFLINE=1}.
 */
final class MavenResolver {
    static final String CENTRAL = "https://repo.maven.apache.org/maven2/";

    private final Path localRepository;
    private final List<RemoteRepository> remotes;
    private final boolean offlineOnly;
    private RepositorySystem system; // built on first use: it costs ~0.3 s

    MavenResolver(Path localRepository, List<RemoteRepository> remotes, boolean offlineOnly) {
        this.localRepository = localRepository;
        this.remotes = List.copyOf(remotes);
        this.offlineOnly = offlineOnly;
    }

    /** The resolver configured from system properties, settings.xml and the environment. */
    static MavenResolver fromEnvironment() {
        String remote = setting("dlab.maven.remote", "DLAB_MAVEN_REMOTE", CENTRAL);
        boolean offline = "true".equals(setting("dlab.maven.offline", "DLAB_MAVEN_OFFLINE", "false").replace("1", "true"));
        return new MavenResolver(defaultLocalRepository(), List.of(repository("central", remote)), offline);
    }

    private static String setting(String property, String env, String fallback) {
        String v = System.getProperty(property, System.getenv(env));
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    static RemoteRepository repository(String id, String url) {
        return new RemoteRepository.Builder(id, "default", url).build();
    }

    /** {@code -Dmaven.repo.local}, else {@code <localRepository>} in ~/.m2/settings.xml, else ~/.m2/repository. */
    static Path defaultLocalRepository() {
        String prop = System.getProperty("maven.repo.local");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        Path m2 = Path.of(System.getProperty("user.home"), ".m2");
        Path settings = m2.resolve("settings.xml");
        if (Files.isRegularFile(settings)) {
            try {
                Matcher m = Pattern.compile("<localRepository>\\s*([^<]+?)\\s*</localRepository>").matcher(Files.readString(settings));
                if (m.find()) {
                    return Path.of(m.group(1).replace("${user.home}", System.getProperty("user.home")));
                }
            } catch (java.io.IOException e) {
                // unreadable settings: Maven's default location below
            }
        }
        return m2.resolve("repository");
    }

    Path localRepository() {
        return localRepository;
    }

    /** Jars of {@code coordinates} ({@code group:artifact[:extension[:classifier]]:version}) and their runtime dependencies. */
    List<Path> resolve(List<String> coordinates, PrintStream log) {
        List<Dependency> deps = new ArrayList<>();
        for (String c : coordinates) {
            try {
                deps.add(new Dependency(new DefaultArtifact(c), JavaScopes.RUNTIME));
            } catch (IllegalArgumentException e) {
                throw new LineMagics.MagicException("%maven: bad coordinates '" + c + "': expected group:artifact:version"
                        + " (or group:artifact:extension:classifier:version)");
            }
        }
        return resolveDependencies(deps, List.of(), log);
    }

    /**
     * Jars of the {@code <dependency>} elements in a POM snippet (a whole POM, a {@code <dependencies>} block, or
     * bare {@code <dependency>} elements), using its {@code <repository>} elements as extra remotes.
     */
    List<Path> resolvePom(String xml, PrintStream log) {
        Element root;
        try {
            var f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            String body = xml.strip().replaceFirst("^<\\?xml[^>]*\\?>", "");
            root = f.newDocumentBuilder().parse(new org.xml.sax.InputSource(new StringReader("<root>" + body + "</root>")))
                    .getDocumentElement();
        } catch (Exception e) {
            throw new LineMagics.MagicException("%%loadFromPOM: the cell is not well-formed XML: " + e.getMessage());
        }
        List<Dependency> deps = new ArrayList<>();
        NodeList ds = root.getElementsByTagName("dependency");
        for (int i = 0; i < ds.getLength(); i++) {
            Element d = (Element) ds.item(i);
            if (d.getParentNode() instanceof Element p && p.getTagName().equals("dependencies")
                    && p.getParentNode() instanceof Element pp && pp.getTagName().equals("dependencyManagement")) {
                continue;
            }
            String g = text(d, "groupId");
            String a = text(d, "artifactId");
            String v = text(d, "version");
            if (g == null || a == null || v == null) {
                throw new LineMagics.MagicException("%%loadFromPOM: dependency " + (i + 1) + " needs groupId, artifactId and version"
                        + " (got " + g + ":" + a + ":" + v + ")");
            }
            String scope = text(d, "scope");
            if ("test".equals(scope)) {
                continue;
            }
            String type = text(d, "type");
            String classifier = text(d, "classifier");
            deps.add(new Dependency(new DefaultArtifact(g, a, classifier == null ? "" : classifier,
                    type == null ? "jar" : type, v), JavaScopes.RUNTIME));
        }
        if (deps.isEmpty()) {
            throw new LineMagics.MagicException("%%loadFromPOM: no <dependency> elements in the cell");
        }
        List<RemoteRepository> extra = new ArrayList<>();
        NodeList rs = root.getElementsByTagName("repository");
        for (int i = 0; i < rs.getLength(); i++) {
            Element r = (Element) rs.item(i);
            String url = text(r, "url");
            if (url != null) {
                extra.add(repository(text(r, "id") == null ? "repo" + i : text(r, "id"), url));
            }
        }
        return resolveDependencies(deps, extra, log);
    }

    private static String text(Element parent, String tag) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                String t = e.getTextContent().strip();
                return t.isEmpty() ? null : t;
            }
        }
        return null;
    }

    private synchronized List<Path> resolveDependencies(List<Dependency> deps, List<RemoteRepository> extra, PrintStream log) {
        if (system == null) {
            system = new RepositorySystemSupplier().get();
        }
        List<RemoteRepository> repos = new ArrayList<>(extra);
        repos.addAll(remotes);
        String what = deps.stream().map(d -> d.getArtifact().toString()).reduce((a, b) -> a + ", " + b).orElse("");
        DependencyResolutionException offlineFailure;
        try {
            return run(deps, repos, true, log);
        } catch (DependencyResolutionException e) {
            offlineFailure = e;
        }
        if (offlineOnly) {
            throw new LineMagics.MagicException("%maven: cannot resolve " + what + " from the local repository " + localRepository
                    + " (offline: DLAB_MAVEN_OFFLINE is set): " + rootMessage(offlineFailure));
        }
        log.println("%maven: not all in " + localRepository + "; downloading from " + repos.get(repos.size() - 1).getUrl());
        try {
            return run(deps, repos, false, log);
        } catch (DependencyResolutionException e) {
            throw new LineMagics.MagicException("%maven: cannot resolve " + what + ": " + rootMessage(e)
                    + "\n(offline from " + localRepository + ": " + rootMessage(offlineFailure) + ")");
        }
    }

    private List<Path> run(List<Dependency> deps, List<RemoteRepository> repos, boolean offline, PrintStream log)
            throws DependencyResolutionException {
        DefaultRepositorySystemSession session = MavenRepositorySystemUtils.newSession();
        // offline, a jar in the local repository counts whichever remote (or mirror id) it once came from
        session.setLocalRepositoryManager(system.newLocalRepositoryManager(session,
                new LocalRepository(localRepository.toFile(), offline ? "simple" : "default")));
        session.setOffline(offline);
        session.setSystemProperties(System.getProperties()); // POM profiles activate on os/java properties
        session.setConfigProperty("aether.connector.connectTimeout", 10_000);
        session.setConfigProperty("aether.connector.requestTimeout", 60_000);
        session.setTransferListener(new AbstractTransferListener() {
            @Override
            public void transferSucceeded(TransferEvent event) {
                log.println("downloaded " + event.getResource().getRepositoryUrl() + event.getResource().getResourceName());
            }
        });
        CollectRequest collect = new CollectRequest(deps, List.of(), system.newResolutionRepositories(session, repos));
        DependencyRequest request = new DependencyRequest(collect, DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
        List<ArtifactResult> results = system.resolveDependencies(session, request).getArtifactResults();
        Map<Path, Artifact> jars = new LinkedHashMap<>();
        for (ArtifactResult r : results) {
            if (r.getArtifact() != null && r.getArtifact().getFile() != null) {
                jars.put(r.getArtifact().getFile().toPath().toAbsolutePath().normalize(), r.getArtifact());
            }
        }
        jars.forEach((p, a) -> log.println("  " + a + "  " + p));
        return new ArrayList<>(jars.keySet());
    }

    private static String rootMessage(Throwable e) {
        String msg = e.getMessage();
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                msg = c.getMessage();
            }
        }
        return msg;
    }
}
