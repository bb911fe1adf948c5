package org.sdij.cli;

import java.util.function.Supplier;
import org.sdij.hub.HubSettings;

/** Puts the Hub settings of a Spark test in place of the environment's (the command line reads them from here). */
public final class TestHubSettings {
    private TestHubSettings() {}

    /** Uses {@code settings} until the returned handle closes. */
    public static AutoCloseable use(HubSettings settings) {
        Supplier<HubSettings> saved = DownloadCommand.environment;
        DownloadCommand.environment = () -> settings;
        return () -> DownloadCommand.environment = saved;
    }
}
