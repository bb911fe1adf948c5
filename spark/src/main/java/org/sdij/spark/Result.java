package org.sdij.spark;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.Serializable;
import java.util.List;

/**
 * What became of one request: one line of {@code results.jsonl}.
 *
 * @param status done, skipped (its outputs were there) or failed
 * @param outputs the files, relative to the output folder
 * @param executor the Spark executor that ran it ("driver" for checks on the driver and local mode)
 * @param attempt the task attempt (0 first)
 * @param message why it failed (the command line's message), or null
 */
public record Result(String id, String status, List<String> outputs, double seconds, String executor, int attempt,
                     String message) implements Serializable {

    public static final String DONE = "done";
    public static final String SKIPPED = "skipped";
    public static final String FAILED = "failed";

    public Result {
        outputs = List.copyOf(outputs);
    }

    static Result failedOnDriver(String id, String message) {
        return new Result(id, FAILED, List.of(), 0, "driver", 0, message);
    }

    JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("status", status);
        JsonArray files = new JsonArray();
        outputs.forEach(files::add);
        o.add("outputs", files);
        o.addProperty("seconds", Math.round(seconds * 1000) / 1000.0);
        o.addProperty("executor", executor);
        o.addProperty("attempt", attempt);
        if (message != null) o.addProperty("message", message);
        return o;
    }
}
