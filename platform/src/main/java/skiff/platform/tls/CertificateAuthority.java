package skiff.platform.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The node's private certificate authority, made at first start under {@code SKIFF_HOME/tls}:
 * {@code ca.pem} for clients to trust (git, curl, NODE_EXTRA_CA_CERTS) and a server certificate
 * it signs for the TLS listeners. Uses the JDK's keytool, so nothing beyond Java is needed.
 */
public final class CertificateAuthority {
  private static final char[] STORE_PASSWORD = "skiff-local-tls".toCharArray();

  private final Path dir;

  public CertificateAuthority(Path dir) {
    this.dir = dir;
  }

  public Path caPem() {
    return dir.resolve("ca.pem");
  }

  private Path caStore() {
    return dir.resolve("ca.p12");
  }

  private Path serverStore() {
    return dir.resolve("server.p12");
  }

  private Path serverNames() {
    return dir.resolve("server.names");
  }

  /** The subject alternative names the server certificate covers. */
  public static List<String> subjectNames(String domain, String bind) {
    Set<String> names = new LinkedHashSet<>(List.of("dns:localhost", "dns:*.localhost", "ip:127.0.0.1"));
    names.add("dns:" + domain);
    names.add("dns:*." + domain);
    if (bind.matches("[0-9.]+") && !bind.equals("0.0.0.0")) {
      names.add("ip:" + bind);
    }
    return List.copyOf(names);
  }

  /** Creates the CA once and a server certificate whenever the names it must cover change. */
  public synchronized void ensure(List<String> names) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    if (!Files.exists(caStore()) || !Files.exists(caPem())) {
      Files.deleteIfExists(caStore());
      keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
          "-dname", "CN=Skiff Local CA,O=Skiff", "-ext", "bc:c", "-ext", "ku:c=keyCertSign,cRLSign",
          "-keystore", caStore().toString(), "-storetype", "PKCS12", "-storepass", new String(STORE_PASSWORD));
      byte[] pem = keytoolOutput(null, "-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore().toString(),
          "-storepass", new String(STORE_PASSWORD));
      Files.write(caPem(), pem);
      Files.deleteIfExists(serverStore());
    }
    String wanted = String.join(",", names);
    if (Files.exists(serverStore()) && Files.exists(serverNames())
        && Files.readString(serverNames()).trim().equals(wanted)) {
      return;
    }
    Path fresh = dir.resolve("server.p12.new");
    Files.deleteIfExists(fresh);
    String dnsName = names.stream().filter(n -> n.startsWith("dns:")).findFirst().orElse("dns:localhost").substring(4);
    keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "825",
        "-dname", "CN=" + dnsName + ",O=Skiff", "-keystore", fresh.toString(), "-storetype", "PKCS12",
        "-storepass", new String(STORE_PASSWORD));
    byte[] request = keytoolOutput(null, "-certreq", "-alias", "server", "-keystore", fresh.toString(),
        "-storepass", new String(STORE_PASSWORD));
    byte[] signed = keytoolOutput(request, "-gencert", "-rfc", "-alias", "ca", "-keystore", caStore().toString(),
        "-storepass", new String(STORE_PASSWORD), "-validity", "825",
        "-ext", "san=" + wanted, "-ext", "ku:c=digitalSignature,keyEncipherment", "-ext", "eku=serverAuth");
    Path reply = dir.resolve("server.chain.pem");
    Files.write(reply, concat(signed, Files.readAllBytes(caPem())));
    keytool("-importcert", "-noprompt", "-trustcacerts", "-alias", "skiff-ca", "-file", caPem().toString(),
        "-keystore", fresh.toString(), "-storepass", new String(STORE_PASSWORD));
    keytool("-importcert", "-noprompt", "-alias", "server", "-file", reply.toString(),
        "-keystore", fresh.toString(), "-storepass", new String(STORE_PASSWORD));
    Files.move(fresh, serverStore(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(serverNames(), wanted + "\n");
    restrict(caStore());
    restrict(serverStore());
  }

  /** An SSLContext serving the signed server certificate. */
  public SSLContext serverContext() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(serverStore())) {
      store.load(in, STORE_PASSWORD);
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, STORE_PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void restrict(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | UnsupportedOperationException ignored) {
      // best effort on file systems without POSIX permissions
    }
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    keytoolOutput(null, args);
  }

  private static byte[] keytoolOutput(byte[] input, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
    if (input != null) {
      process.getOutputStream().write(input);
    }
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + new String(err, StandardCharsets.UTF_8).trim()
          + new String(out, StandardCharsets.UTF_8).trim());
    }
    return out;
  }
}
