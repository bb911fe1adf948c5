package org.sdij.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * 200 guided steps of the tiny SD1 model at 256x256 must not grow native memory: the arrays the
 * model's manager tree holds stay constant step after step, and so do the bytes malloc has handed
 * out (where libtorch's CPU tensors live): leaking one step's intermediates, over a MB here, would
 * add hundreds of MB over the run.
 */
class DenoiseLoopMemoryTest {

    @AfterAll
    static void close() {
        PipelineCases.closeAll();
    }

    @Test
    void nativeMemoryIsScopedPerStep() {
        StableDiffusion model = PipelineCases.model("sd1", false);
        List<Integer> arrays = new ArrayList<>();
        List<Long> rss = new ArrayList<>();
        StepListener probe = (step, total, latents) -> {
            arrays.add(model.manager().getManagedArrays().size());
            rss.add(NativeHeap.inUseBytes() >> 20);
            return true;
        };
        var request = new GenerationRequest("a photograph of an astronaut riding a horse", "", 7L, 200, 7.5, "ddim",
                256, 256, 1, null, null);
        TextToImage.run(model, request, probe);

        assertEquals(200, arrays.size());
        assertEquals(arrays.get(9), arrays.get(199), "arrays held after step 10 vs after step 200");
        long growth = rss.get(199) - rss.get(49);
        System.out.printf("native arrays per step: %d; malloc in use after step 50: %d MB, after step 200: %d MB%n",
                arrays.get(199), rss.get(49), rss.get(199));
        assertTrue(growth < 16, "malloc in use grew " + growth + " MB between steps 50 and 200");
    }
}
