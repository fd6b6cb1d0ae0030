package app

// Every provider driver registers itself in its init; these imports link
// them all into the daemon and the commands.
import (
	_ "github.com/zonkvm/zonkvmd/internal/provider/btpanel"
	_ "github.com/zonkvm/zonkvmd/internal/provider/ipmi"
	_ "github.com/zonkvm/zonkvmd/internal/provider/manual"
	_ "github.com/zonkvm/zonkvmd/internal/provider/mofang"
	_ "github.com/zonkvm/zonkvmd/internal/provider/mofangyun"
	_ "github.com/zonkvm/zonkvmd/internal/provider/sim"
)
