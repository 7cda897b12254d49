package skiff.http.router;

import java.util.List;
import skiff.actors.apps.AppEntity.LiveApp;
import skiff.actors.apps.FormationEntry;

/**
 * The parts of an app's settings the router needs, as its latest persisted change left them; it
 * travels between nodes (every router knows every app).
 */
public record AppEntry(String appId, String name, boolean maintenance, boolean deployed, int webQuantity,
    String errorPageUrl, String maintenancePageUrl, List<String> customDomains)
    implements skiff.persistence.CborSerializable {

  public static AppEntry of(LiveApp app) {
    FormationEntry web = app.formation().get("web");
    int quantity = web != null && app.processTypes().containsKey("web") ? web.quantity() : 0;
    return new AppEntry(app.id(), app.name(), app.maintenance(), app.currentSlugId() != null, quantity,
        app.config().get("ERROR_PAGE_URL"), app.config().get("MAINTENANCE_PAGE_URL"), List.copyOf(app.customDomains()));
  }
}
