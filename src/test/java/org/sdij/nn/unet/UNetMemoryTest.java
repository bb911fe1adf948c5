package org.sdij.nn.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sdij.Reference;
import org.sdij.io.SafeTensorsFile;
import org.sdij.nn.Weights;

/** A forward pass leaves nothing in the weights' manager and only its output in the caller's. */
class UNetMemoryTest {

    @Test
    void forwardFreesItsIntermediates() throws Exception {
        Path folder = Reference.resolve("models/unet-sd2");
        try (NDManager weightsManager = NDManager.newBaseManager();
             NDManager caller = NDManager.newBaseManager();
             SafeTensorsFile file = SafeTensorsFile.open(folder.resolve("unet/diffusion_pytorch_model.safetensors"))) {
            Weights weights = Weights.of(file, weightsManager);
            UNet2DConditionModel unet = new UNet2DConditionModel(UNetConfig.load(folder.resolve("unet/config.json")), weights);
            weights.finish();
            int weightArrays = weightsManager.getManagedArrays().size();

            NDArray sample = caller.randomNormal(new ai.djl.ndarray.types.Shape(2, 4, 8, 12));
            NDArray context = caller.randomNormal(new ai.djl.ndarray.types.Shape(2, 77, 8));
            int callerArrays = caller.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                NDArray out = unet.forward(sample, 500.0, context, null);
                assertSame(caller, out.getManager());
                assertEquals(new ai.djl.ndarray.types.Shape(2, 4, 8, 12), out.getShape());
                out.close();
            }
            assertEquals(weightArrays, weightsManager.getManagedArrays().size(), "weights' manager grew");
            assertEquals(callerArrays, caller.getManagedArrays().size(), "caller's manager kept intermediates");
        }
    }
}
