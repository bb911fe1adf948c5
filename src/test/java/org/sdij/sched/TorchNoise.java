package org.sdij.sched;

import org.junit.jupiter.api.Assumptions;
import org.sdij.random.NoiseSource;

/** torch.Generator('cpu').manual_seed(seed) as a NoiseSource: org.sdij.random.TorchGenerator once that branch is merged. */
final class TorchNoise {
    private TorchNoise() {}

    static NoiseSource seeded(long seed) {
        try {
            Class<?> generator = Class.forName("org.sdij.random.TorchGenerator");
            return (NoiseSource) generator.getConstructor(long.class).newInstance(seed);
        } catch (ClassNotFoundException e) {
            Assumptions.abort("org.sdij.random.TorchGenerator is not merged yet");
            throw new AssertionError(e);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
