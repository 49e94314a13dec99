import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Arrays;
import org.codehaus.plexus.classworlds.ClassWorld;
import org.codehaus.plexus.classworlds.launcher.Launcher;

/**
 * Runs Maven as if on another platform: java -cp plexus-classworlds.jar FakePlatformMaven.java OS_NAME OS_ARCH mvn-args...
 * Maven's console (jansi) is set up first with the real os.name (on "Windows" it would call Kernel32), then
 * os.name/os.arch are replaced before any POM is read, so profile activation by <os> sees the fake platform.
 */
public class FakePlatformMaven {
    public static void main(String[] args) throws Exception {
        Launcher launcher = new Launcher();
        try (InputStream conf = new FileInputStream(System.getProperty("maven.home") + "/bin/m2.conf")) {
            launcher.configure(conf);
        }
        ClassLoader realm = launcher.getMainRealm();
        realm.loadClass("org.apache.maven.shared.utils.logging.MessageUtils").getMethod("systemInstall").invoke(null);
        System.setProperty("os.name", args[0]);
        System.setProperty("os.arch", args[1]);
        Class<?> cli = launcher.getMainClass();
        String[] rest = Arrays.copyOfRange(args, 2, args.length);
        int rc = (int) cli.getMethod("main", String[].class, ClassWorld.class).invoke(null, rest, launcher.getWorld());
        System.exit(rc);
    }
}
