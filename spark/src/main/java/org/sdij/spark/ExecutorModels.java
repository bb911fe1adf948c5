package org.sdij.spark;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.sdij.cli.GenerateCommand;
import org.sdij.cli.GenerateCommand.ModelKey;
import org.sdij.cli.CommandLine.UsageException;

/**
 * The model of this executor JVM: loaded on the first task that needs it and kept for the next ones (a load takes
 * seconds and gigabytes, a task is one image). One model at a time: a task for another model frees it first. Tasks
 * that share the JVM take turns on it.
 */
final class ExecutorModels {
    private ExecutorModels() {}

    /** Runs on the model while this task holds it. */
    @FunctionalInterface
    interface Use<T> {
        T apply(GenerateCommand.Model model) throws IOException;
    }

    private static final ReentrantLock TURN = new ReentrantLock();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static ModelKey heldKey;
    private static GenerateCommand.Model held;

    /** @param check refuses a model the task cannot run, before it loads (or before a held one is used) */
    static <T> T with(ModelKey key, GenerateCommand.FilesCheck check, Use<T> use) throws IOException, UsageException {
        TURN.lock();
        try {
            if (!key.equals(heldKey)) {
                release();
                held = GenerateCommand.load(key, check);
                heldKey = key;
                LOADS.incrementAndGet();
            } else {
                check.check(held.files());
            }
            return use.apply(held);
        } finally {
            TURN.unlock();
        }
    }

    /** Frees the held model, if any. */
    static void release() throws IOException {
        TURN.lock();
        try {
            if (held != null) {
                GenerateCommand.Model m = held;
                held = null;
                heldKey = null;
                m.close();
            }
        } finally {
            TURN.unlock();
        }
    }

    /** Models loaded by this JVM so far (tests prove one load per model and executor with it). */
    static int loads() {
        return LOADS.get();
    }
}
