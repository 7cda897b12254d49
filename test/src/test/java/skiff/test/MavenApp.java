package skiff.test;

/** A small Java web app built with Maven, as a new user would push it. */
public final class MavenApp {
  private MavenApp() {}

  public static final String POM = """
      <project xmlns="http://maven.apache.org/POM/4.0.0">
        <modelVersion>4.0.0</modelVersion>
        <groupId>hello</groupId>
        <artifactId>hello</artifactId>
        <version>1.0</version>
        <properties>
          <maven.compiler.release>17</maven.compiler.release>
          <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
        </properties>
        <build>
          <plugins>
            <plugin>
              <groupId>org.apache.maven.plugins</groupId>
              <artifactId>maven-compiler-plugin</artifactId>
              <version>3.13.0</version>
            </plugin>
            <plugin>
              <groupId>org.apache.maven.plugins</groupId>
              <artifactId>maven-jar-plugin</artifactId>
              <version>3.4.2</version>
              <configuration>
                <archive><manifest><mainClass>hello.Main</mainClass></manifest></archive>
              </configuration>
            </plugin>
          </plugins>
        </build>
      </project>
      """;

  public static final String MAIN = """
      package hello;

      import com.sun.net.httpserver.HttpServer;
      import java.net.InetSocketAddress;

      public class Main {
        public static void main(String[] args) throws Exception {
          HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(System.getenv("PORT"))), 0);
          server.createContext("/", exchange -> {
            byte[] body = ("hello from " + System.getenv("DYNO")).getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
          server.start();
        }
      }
      """;
}
