package skiff.platform.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import skiff.persistence.JournalDatabase;
import skiff.persistence.secrets.Keyring;
import skiff.platform.tls.CertificateAuthority;

/**
 * What every node of a cluster must share, kept once in the journal database so that any node
 * answers the same clients: proof of the master key (a node given another key is refused before it
 * seals anything the others could not read), the private CA (its key sealed with a key derived
 * from the master key; clients trusting one node's ca.pem trust them all) and the bootstrap admin
 * token's SHA-256 (the token itself stays in the admin.token of the node that made it). The first
 * node to start writes them; an insert that loses a race to another node reads theirs instead.
 */
final class ClusterSecrets {
  private static final String CHECK = "master-key-check";
  private static final String CA_STORE = "ca.p12";
  private static final String CA_PEM = "ca.pem";
  private static final String ADMIN = "admin-token-sha256";

  private final JournalDatabase database;
  private final SecretKey masterKey;

  ClusterSecrets(JournalDatabase database, String masterKey) {
    this.database = database;
    this.masterKey = Keyring.masterKey(masterKey);
  }

  /** Refuses a node whose master key is not the one the journal's values are sealed with. */
  void checkMasterKey() {
    String mine = Base64.getEncoder().encodeToString(derive("skiff master key check"));
    String theirs = putIfAbsent(CHECK, mine);
    if (!MessageDigest.isEqual(mine.getBytes(StandardCharsets.US_ASCII), theirs.getBytes(StandardCharsets.US_ASCII))) {
      throw new SettingsException("this node's master key is not the one this journal's secrets were sealed with:"
          + " give it that SKIFF_SECRET_KEY (every node of a cluster the same one: the first node's secret.key)");
    }
  }

  /**
   * Makes the cluster's CA this node's and {@code ca}'s server certificate one it signed for
   * {@code names}: the first node's CA is offered to the others; a node that finds one adopts it,
   * and one that loses the race to offer its own adopts the winner's.
   */
  void shareCa(CertificateAuthority ca, Path tls, List<String> names) throws IOException, InterruptedException {
    adoptCa(tls);
    ca.ensure(names);
    if (offerCa(tls)) {
      // another node's CA was there first (its certificate may trail its key by a moment)
      for (int i = 0; i < 50 && !adoptCa(tls); i++) {
        Thread.sleep(100);
      }
      ca.ensure(names);
    }
  }

  /**
   * Before this node makes or uses a CA: if the cluster has one, it becomes this node's (written
   * into {@code tls}, and the server certificate made again under it if it was another CA's).
   * True when this node's CA is now the cluster's; false when the cluster has none (yet).
   */
  private boolean adoptCa(Path tls) throws IOException {
    Optional<String> pem = get(CA_PEM);
    Optional<String> store = get(CA_STORE);
    if (pem.isEmpty() || store.isEmpty()) {
      return false;
    }
    Files.createDirectories(tls);
    Path localPem = tls.resolve("ca.pem");
    if (Files.exists(localPem) && Files.readString(localPem).equals(pem.get())) {
      return true;
    }
    Path caStore = tls.resolve("ca.p12");
    Files.write(caStore, open(Base64.getDecoder().decode(store.get())));
    try {
      Files.setPosixFilePermissions(caStore, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // a file system without POSIX permissions
    }
    Files.writeString(localPem, pem.get());
    Files.deleteIfExists(tls.resolve("server.p12"));
    Files.deleteIfExists(tls.resolve("server.names"));
    return true;
  }

  /** After this node made its CA: offers it as the cluster's; true if another node's was there first. */
  private boolean offerCa(Path tls) throws IOException {
    String pem = Files.readString(tls.resolve("ca.pem"));
    String sealed = Base64.getEncoder().encodeToString(seal(Files.readAllBytes(tls.resolve("ca.p12"))));
    // the key first: a node that sees the certificate can then always find its key
    String storedKey = putIfAbsent(CA_STORE, sealed);
    if (!storedKey.equals(sealed)) {
      return true;
    }
    return !putIfAbsent(CA_PEM, pem).equals(pem);
  }

  /** The bootstrap admin token's hash the cluster uses: the first node's, or this one's if it is the first. */
  byte[] adminTokenHash(String token) {
    String mine = HexFormat.of().formatHex(sha256(token));
    return HexFormat.of().parseHex(putIfAbsent(ADMIN, mine));
  }

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- storage ---------------------------------------------------------------------------------

  /** Writes {@code content} under {@code name} unless something is there; returns what is there now. */
  private String putIfAbsent(String name, String content) {
    Optional<String> existing = get(name);
    if (existing.isPresent()) {
      return existing.get();
    }
    try (Connection c = connect();
        PreparedStatement insert = c.prepareStatement("INSERT INTO skiff_cluster_secrets (name, content) VALUES (?, ?)")) {
      insert.setString(1, name);
      insert.setString(2, content);
      insert.executeUpdate();
      return content;
    } catch (SQLException raced) {
      // another node inserted it between our read and our write: theirs stands
      return get(name).orElseThrow(() -> new SettingsException("cannot write the cluster's " + name + ": "
          + raced.getMessage()));
    }
  }

  private Optional<String> get(String name) {
    try (Connection c = connect();
        PreparedStatement select = c.prepareStatement("SELECT content FROM skiff_cluster_secrets WHERE name = ?")) {
      select.setString(1, name);
      try (ResultSet r = select.executeQuery()) {
        return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new SettingsException("cannot read the cluster's shared secrets: " + e.getMessage());
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(database.url(), database.user(), database.password());
  }

  // ---- crypto ----------------------------------------------------------------------------------

  /**
   * What one node's router proves a hop to another node's router with: derived from the master
   * key every node shares, so it is the same on every node and never stored.
   */
  byte[] routerHopSecret() {
    return HexFormat.of().formatHex(derive("skiff router hop")).getBytes(StandardCharsets.US_ASCII);
  }

  /** What log session URLs are signed with: any node serves a session any node created. */
  byte[] logSessionKey() {
    return derive("skiff log sessions");
  }

  /** A purpose-bound key from the master key (HMAC-SHA256 as the derivation, so keys never repeat across uses). */
  private byte[] derive(String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(masterKey.getEncoded(), "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA's key is sealed under a key of its own, derived from the master key. */
  private SecretKey caKey() {
    return new SecretKeySpec(derive("skiff cluster ca"), "AES");
  }

  private byte[] seal(byte[] plain) {
    return Keyring.encrypt(caKey(), CA_STORE, plain);
  }

  private byte[] open(byte[] sealed) {
    try {
      return Keyring.decrypt(caKey(), CA_STORE, sealed);
    } catch (IllegalStateException e) {
      throw new SettingsException("the cluster's CA cannot be opened with this node's master key: give every node"
          + " the same SKIFF_SECRET_KEY");
    }
  }
}
